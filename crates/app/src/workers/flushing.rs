//! The loop of the workers that write buffered counters: flush on a timer, and once
//! more when told to stop, never cutting a flush short.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// Calls `flush` every `interval` until `stop` turns true (or its sender is dropped),
/// then once more. A flush under way when the stop comes finishes first: aborting the
/// task instead would drop whatever that flush had taken out of its buffer.
pub async fn flush_until_stopped<Flush: Future<Output = ()>>(
    interval: Duration,
    mut stop: watch::Receiver<bool>,
    mut flush: impl FnMut() -> Flush,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => flush().await,
            // The guard `wait_for` returns is not `Send`: drop it inside the branch.
            () = async { drop(stop.wait_for(|stopped| *stopped).await) } => break,
        }
    }
    flush().await;
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tokio::sync::Notify;

    use super::*;

    #[tokio::test]
    async fn a_flush_under_way_when_the_stop_comes_finishes_then_one_more_runs() {
        let (stop, stopped) = watch::channel(false);
        let entered = Arc::new(Notify::new());
        let release = Arc::new(Notify::new());
        let finished = Arc::new(AtomicUsize::new(0));
        let worker = tokio::spawn({
            let (entered, release, finished) = (
                Arc::clone(&entered),
                Arc::clone(&release),
                Arc::clone(&finished),
            );
            flush_until_stopped(Duration::from_secs(3600), stopped, move || {
                let (entered, release, finished) = (
                    Arc::clone(&entered),
                    Arc::clone(&release),
                    Arc::clone(&finished),
                );
                async move {
                    if finished.load(Ordering::SeqCst) == 0 {
                        entered.notify_one();
                        release.notified().await;
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                }
            })
        });
        // The first tick is immediate: the first flush starts and waits.
        entered.notified().await;
        stop.send(true).expect("the worker listens");
        tokio::task::yield_now().await;
        assert_eq!(finished.load(Ordering::SeqCst), 0, "still waiting");
        release.notify_one();
        worker.await.expect("the worker ends");
        assert_eq!(finished.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn dropping_the_sender_stops_the_loop_with_a_last_flush() {
        let (stop, stopped) = watch::channel(false);
        let flushes = Arc::new(AtomicUsize::new(0));
        let worker = tokio::spawn({
            let flushes = Arc::clone(&flushes);
            flush_until_stopped(Duration::from_secs(3600), stopped, move || {
                flushes.fetch_add(1, Ordering::SeqCst);
                std::future::ready(())
            })
        });
        // Wait for the immediate first tick, so the count below is the last flush's.
        while flushes.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        drop(stop);
        worker.await.expect("the worker ends");
        assert_eq!(flushes.load(Ordering::SeqCst), 2);
    }
}
