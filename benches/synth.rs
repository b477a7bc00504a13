//! load → validate → plan → render of a generated mesh of N services, in memory, per backend and
//! target: `cargo bench --bench synth`. The spec is `meshsynth::generate::mesh_spec` (what
//! `cargo run --example gen_spec -- --services N` prints). Whole-process time and peak memory,
//! files written included, are `benches/process.sh`; the AWS CDK and CDK for Terraform side by
//! side are `benches/cdk/run.sh`.

use meshsynth::generate::mesh_spec;
use meshsynth::spec::MeshBackend;
use meshsynth::synth::{synthesize_with, Options};
use meshsynth::targets::{self, Target};

/// The allocator the `meshsynth` binary uses.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const SIZES: [usize; 4] = [10, 100, 1000, 5000];

fn run(bencher: divan::Bencher, n: usize, backend: MeshBackend, target: &'static dyn Target) {
    let text = mesh_spec(n, "bench");
    let t = [target];
    let backends = [backend];
    bencher.bench(|| {
        let mut opts = Options::new("bench.yaml", &t);
        opts.backends = Some(&backends);
        let s = synthesize_with(divan::black_box(&text), &opts);
        // Errors are part of what is measured (CloudFormation refuses the largest meshes), but
        // the synthesis itself must have run.
        divan::black_box(s.files.map_or(0, |f| f.len()))
    });
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn app_mesh_cloudformation(bencher: divan::Bencher, n: usize) {
    run(bencher, n, MeshBackend::AppMesh, targets::CLOUDFORMATION);
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn app_mesh_terraform(bencher: divan::Bencher, n: usize) {
    run(bencher, n, MeshBackend::AppMesh, targets::TERRAFORM);
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn vpc_lattice_cloudformation(bencher: divan::Bencher, n: usize) {
    run(bencher, n, MeshBackend::VpcLattice, targets::CLOUDFORMATION);
}

#[divan::bench(args = SIZES, sample_count = 5, sample_size = 1)]
fn vpc_lattice_terraform(bencher: divan::Bencher, n: usize) {
    run(bencher, n, MeshBackend::VpcLattice, targets::TERRAFORM);
}
