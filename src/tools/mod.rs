//! Operator tools the server never runs: the dataset generator behind `dateline seed` (demos
//! and benchmarks) and the query-plan check behind `dateline query-plans` (CI and capacity
//! work). Only the command line uses them; nothing under `api/`, `domain/` or `server` does.

pub mod plans;
pub mod seed;
pub mod seed_images;
pub mod seed_text;
