//! The media library's files: checking and rendering uploads (`process`), storing them on the
//! local disk or an S3-compatible bucket (`storage`), and removing files no row names (`gc`).

pub mod gc;
pub mod ingest;
pub mod process;
pub mod storage;
