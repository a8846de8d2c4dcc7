pub mod convert;
pub mod demo;
pub mod gen_scan;
pub mod split;
