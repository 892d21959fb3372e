//! Revenue: what succeeded minus what was refunded, per currency — amounts in
//! different currencies are never added together.

use std::collections::BTreeMap;

use time::Date;

use super::{DateRange, DayCount, zero_fill};
use crate::currency::Currency;
use crate::ids::ProductId;

/// Money of one product in one currency on one day: `succeeded` paid that day (by
/// `paidAt`), `refunded` refunded that day. Amounts are in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevenueEntry {
    pub day: Date,
    pub product_id: ProductId,
    pub currency: Currency,
    pub succeeded: i64,
    pub refunded: i64,
}

/// Totals in one currency; `net = succeeded - refunded`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrencyRevenue {
    pub currency: Currency,
    pub succeeded: i64,
    pub refunded: i64,
    pub net: i64,
}

/// One product's totals, one entry per currency it earned or refunded in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRevenue {
    pub product_id: ProductId,
    pub currencies: Vec<CurrencyRevenue>,
}

/// A revenue report: per currency totals with their zero-filled daily net series,
/// and per product totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revenue {
    pub currencies: Vec<(CurrencyRevenue, Vec<DayCount>)>,
    pub products: Vec<ProductRevenue>,
}

fn add(into: &mut CurrencyRevenue, entry: &RevenueEntry) {
    into.succeeded += entry.succeeded;
    into.refunded += entry.refunded;
    into.net = into.succeeded - into.refunded;
}

fn empty(currency: Currency) -> CurrencyRevenue {
    CurrencyRevenue {
        currency,
        succeeded: 0,
        refunded: 0,
        net: 0,
    }
}

/// Adds up `entries` within `range`: currencies in code order, products in id order.
pub fn revenue(range: DateRange, entries: &[RevenueEntry]) -> Revenue {
    let mut totals: BTreeMap<Currency, (CurrencyRevenue, Vec<(Date, i64)>)> = BTreeMap::new();
    let mut products: BTreeMap<ProductId, BTreeMap<Currency, CurrencyRevenue>> = BTreeMap::new();
    for entry in entries.iter().filter(|e| range.contains(e.day)) {
        let (total, days) = totals
            .entry(entry.currency)
            .or_insert_with(|| (empty(entry.currency), Vec::new()));
        add(total, entry);
        days.push((entry.day, entry.succeeded - entry.refunded));
        let product = products.entry(entry.product_id).or_default();
        add(
            product
                .entry(entry.currency)
                .or_insert_with(|| empty(entry.currency)),
            entry,
        );
    }
    Revenue {
        currencies: totals
            .into_values()
            .map(|(total, days)| (total, zero_fill(range, days)))
            .collect(),
        products: products
            .into_iter()
            .map(|(product_id, currencies)| ProductRevenue {
                product_id,
                currencies: currencies.into_values().collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use uuid::Uuid;

    use super::*;

    fn entry(
        day: Date,
        product: ProductId,
        currency: &str,
        succeeded: i64,
        refunded: i64,
    ) -> RevenueEntry {
        RevenueEntry {
            day,
            product_id: product,
            currency: Currency::parse(currency).expect("valid"),
            succeeded,
            refunded,
        }
    }

    #[test]
    fn currencies_stay_apart_refunds_subtract_and_days_outside_are_ignored() {
        let a = ProductId::from_uuid(Uuid::from_u128(1));
        let b = ProductId::from_uuid(Uuid::from_u128(2));
        let range = DateRange::new(date!(2026 - 11 - 01), date!(2026 - 11 - 03)).expect("valid");
        let report = revenue(
            range,
            &[
                entry(date!(2026 - 11 - 01), a, "EUR", 1000, 0),
                entry(date!(2026 - 11 - 03), a, "EUR", 0, 400),
                entry(date!(2026 - 11 - 02), b, "USD", 500, 0),
                entry(date!(2026 - 11 - 02), b, "EUR", 250, 0),
                entry(date!(2026 - 10 - 31), a, "EUR", 9999, 0),
            ],
        );
        let (eur, eur_days) = &report.currencies[0];
        assert_eq!(eur.currency.as_str(), "EUR");
        assert_eq!((eur.succeeded, eur.refunded, eur.net), (1250, 400, 850));
        let nets: Vec<i64> = eur_days.iter().map(|d| d.count).collect();
        assert_eq!(nets, vec![1000, 250, -400]);
        let (usd, usd_days) = &report.currencies[1];
        assert_eq!((usd.currency.as_str(), usd.net), ("USD", 500));
        assert_eq!(usd_days.len(), 3);
        assert_eq!(report.products.len(), 2);
        assert_eq!(report.products[0].product_id, a);
        assert_eq!(report.products[0].currencies[0].net, 600);
        assert_eq!(report.products[1].currencies.len(), 2);
    }
}
