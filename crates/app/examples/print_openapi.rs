fn main() { print!("{}", licentia::api::openapi::json()); }
