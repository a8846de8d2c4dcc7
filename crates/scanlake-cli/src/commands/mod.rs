pub mod aggregate;
pub mod convert;
pub mod demo;
pub mod engines;
pub mod gen_scan;
pub mod query;
pub mod split;
