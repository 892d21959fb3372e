//! Verifies a Licentia offline certificate with nothing but the server's public keys.
//!
//! ```sh
//! curl -s http://127.0.0.1:8080/v1/.well-known/jwks.json > jwks.json
//! cargo run -p licentia-domain --example verify_certificate -- jwks.json "$CERTIFICATE"
//! ```

use std::process::ExitCode;

use licentia_domain::certificate::verify_certificate;
use licentia_domain::jwks::Jwks;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, jwks_path, token] = args.as_slice() else {
        eprintln!("usage: verify_certificate <jwks.json> <certificate>");
        return ExitCode::from(2);
    };
    let keys = match std::fs::read_to_string(jwks_path)
        .map_err(|e| e.to_string())
        .and_then(|json| Jwks::parse_public_keys(&json).map_err(|e| e.to_string()))
    {
        Ok(keys) => keys,
        Err(error) => {
            eprintln!("cannot read the public keys: {error}");
            return ExitCode::from(2);
        }
    };
    match verify_certificate(token.trim(), &keys, time::OffsetDateTime::now_utc()) {
        Ok(claims) => {
            println!(
                "valid certificate for license {} (status {}, plan {:?})",
                claims.sub, claims.status, claims.plan
            );
            println!("features: {}", claims.features.join(", "));
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("rejected: {error}");
            ExitCode::FAILURE
        }
    }
}
