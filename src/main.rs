//! The `dateline` command: `serve` (the default), `migrate`, `import`, `seed`, `openapi`.

fn main() -> std::process::ExitCode {
    dateline::cli::main()
}
