//! The HTML report and per-user pages (see `report.rs` in the facade for what they hold).
