//! Prints a meshsynth spec of N services, for benchmarks and scale tests:
//!
//! ```sh
//! cargo run --example gen_spec -- --services 1000 > mesh-1000.yaml
//! ```
//!
//! What the spec holds: [`meshsynth::generate`].

fn main() {
    let mut args = std::env::args().skip(1);
    let mut services = None;
    let mut name = "bench".to_owned();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--services" | "-n" => services = args.next().and_then(|n| n.parse::<usize>().ok()),
            "--name" => name = args.next().unwrap_or_else(|| usage("--name needs a value")),
            "-h" | "--help" => {
                println!("usage: gen_spec --services N [--name NAME]\n\nWrites a spec of N services (N >= 1) to standard output.");
                return;
            }
            other => usage(&format!("unknown argument `{other}`")),
        }
    }
    let Some(n) = services.filter(|n| *n >= 1) else {
        usage("--services N (a whole number, at least 1) is required");
    };
    print!("{}", meshsynth::generate::mesh_spec(n, &name));
}

fn usage(why: &str) -> ! {
    eprintln!("gen_spec: {why}\nusage: gen_spec --services N [--name NAME]");
    std::process::exit(2);
}
