//! Task sizes: the CPU/memory pairs Fargate accepts, and room for the sidecars' reservations
//! (Envoy's, and the metrics and traces collector's beside it on App Mesh).

use crate::check::common::or_list;
use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::observe::collector;
use crate::spec::airflow_names as names;
use crate::spec::paths::airflow_path;
use crate::spec::{Airflow, Amount, ComponentSize, LaunchType, Spec, TaskRunner};

/// CPU values Fargate accepts at task level.
const FARGATE_CPUS: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];
/// The least memory (MiB) a DAG task or workload container keeps after the sidecars' reservations.
pub(crate) const MIN_APP_MEMORY: u32 = 128;

fn components_path() -> FieldPath {
    airflow_path().key("components")
}

/// The memory values (MiB) Fargate accepts with a task CPU value.
fn fargate_memories(cpu: u32) -> Option<Vec<u32>> {
    let (min, max, step) = match cpu {
        256 => return Some(vec![512, 1024, 2048]),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return None,
    };
    Some((min..=max).step_by(step as usize).collect())
}

/// `` `512`, `1024` or `2048` ``, or `` `2048` to `8192` in steps of `1024` ``.
fn memories_text(ms: &[u32]) -> String {
    if ms.len() <= 4 {
        let s: Vec<String> = ms.iter().map(u32::to_string).collect();
        return or_list(&s);
    }
    let step = ms[1] - ms[0];
    format!("`{}` to `{}` in steps of `{step}`", ms[0], ms[ms.len() - 1])
}

/// One ECS task definition and what it must fit.
pub(crate) struct TaskSize {
    pub(crate) path: FieldPath,
    /// How messages name it, e.g. "the API server".
    pub(crate) what: String,
    pub(crate) cpu: Option<u32>,
    pub(crate) memory: Option<u32>,
    pub(crate) default: (u32, u32),
    /// Whether the task carries an Envoy sidecar (and, on App Mesh with metrics or tracing, the
    /// collector).
    pub(crate) meshed: bool,
    /// The least memory the application container keeps.
    pub(crate) min_app: u32,
    /// What the application container is, for messages.
    pub(crate) app: &'static str,
    pub(crate) workload: bool,
}

fn component(
    path: FieldPath,
    what: &str,
    size: &ComponentSize,
    default: (u32, u32),
    meshed: bool,
) -> TaskSize {
    TaskSize {
        path,
        what: what.into(),
        cpu: size.cpu.as_ref().map(Amount::units),
        memory: size.memory.as_ref().map(Amount::units),
        default,
        meshed,
        min_app: names::MIN_AIRFLOW_MEMORY,
        app: "the Airflow container",
        workload: false,
    }
}

pub(crate) fn check_airflow(ctx: &mut Ctx, af: &Airflow) {
    let c = &af.components;
    let local = af.runs_tasks_in() == TaskRunner::Scheduler;
    let mut tasks = Vec::new();
    for (key, what, size) in [
        ("api_server", "the API server", &c.api_server),
        ("webserver", "the webserver", &c.webserver),
    ] {
        if let Some(size) = size {
            tasks.push(component(
                components_path().key(key),
                what,
                size,
                names::DEFAULT_SIZE,
                true,
            ));
        }
    }
    if let Some(size) = &c.scheduler {
        tasks.push(component(
            components_path().key("scheduler"),
            "the scheduler",
            size,
            names::DEFAULT_SIZE,
            local,
        ));
    }
    if let Some(size) = &c.dag_processor {
        tasks.push(component(
            components_path().key("dag_processor"),
            "the dag processor",
            size,
            names::DEFAULT_SMALL_SIZE,
            false,
        ));
    }
    if let Some(size) = &c.triggerer {
        tasks.push(component(
            components_path().key("triggerer"),
            "the triggerer",
            size,
            names::DEFAULT_SMALL_SIZE,
            false,
        ));
    }
    if !local {
        let w = af.workers.clone().unwrap_or_default();
        let what = match af.runs_tasks_in() {
            TaskRunner::CeleryWorkers => "the Celery workers",
            _ => "the worker task definition",
        };
        tasks.push(TaskSize {
            path: airflow_path().key("workers"),
            what: what.into(),
            cpu: w.cpu.as_ref().map(Amount::units),
            memory: w.memory.as_ref().map(Amount::units),
            default: names::DEFAULT_SIZE,
            meshed: true,
            min_app: names::MIN_AIRFLOW_MEMORY,
            app: "the Airflow container",
            workload: false,
        });
    }
    for (name, t) in &af.tasks {
        tasks.push(TaskSize {
            path: airflow_path().key("tasks").key(name),
            what: format!("DAG task `{name}`"),
            cpu: Some(t.cpu.units()),
            memory: Some(t.memory.units()),
            default: (t.cpu.units(), t.memory.units()),
            meshed: true,
            min_app: MIN_APP_MEMORY,
            app: "its container",
            workload: false,
        });
    }
    let fargate = af.launch_type() == LaunchType::Fargate;
    let skip = quantity_paths(af);
    for t in tasks.iter().filter(|t| !skip.contains(&t.path)) {
        check_task_size(ctx, t, fargate);
    }
}

pub(crate) fn check_task_size(ctx: &mut Ctx, t: &TaskSize, fargate: bool) {
    let cpu = t.cpu.unwrap_or(t.default.0);
    let mem = t.memory.unwrap_or(t.default.1);
    let (size_code, small_code) = if t.workload {
        (Code::WorkloadInvalidTaskSize, Code::WorkloadTaskTooSmall)
    } else {
        (Code::AirflowInvalidTaskSize, Code::AirflowTaskTooSmall)
    };
    let cpu_path = if t.cpu.is_some() {
        t.path.key("cpu")
    } else {
        t.path.clone()
    };
    let mem_path = if t.memory.is_some() {
        t.path.key("memory")
    } else {
        cpu_path.clone()
    };
    let shown_mem = if t.memory.is_some() {
        format!("`memory: {mem}`")
    } else {
        format!("the default `memory: {mem}`")
    };
    let shown_cpu = if t.cpu.is_some() {
        format!("`cpu: {cpu}`")
    } else {
        format!("the default `cpu: {cpu}`")
    };
    let valid_memories = if fargate {
        match fargate_memories(cpu) {
            None => {
                let cpus: Vec<String> = FARGATE_CPUS.iter().map(u32::to_string).collect();
                ctx.error(
                    size_code,
                    cpu_path,
                    format!("{shown_cpu} of {} is not a Fargate task CPU value", t.what),
                )
                .help = Some(format!("use one of {}", or_list(&cpus)));
                return;
            }
            Some(ms) if !ms.contains(&mem) => {
                ctx.error(
                    size_code,
                    mem_path,
                    format!(
                        "{} asks for {shown_cpu} with {shown_mem}, which is not a Fargate task size",
                        t.what
                    ),
                )
                .help = Some(format!(
                    "with `cpu: {cpu}`, set `memory` to {}",
                    memories_text(&ms)
                ));
                return;
            }
            Some(ms) => Some(ms),
        }
    } else {
        None
    };
    let sidecars = Sidecars::of(ctx, t.meshed);
    let reserved = sidecars.memory;
    let need = reserved + t.min_app;
    if mem < need {
        let left = mem.saturating_sub(reserved);
        let msg = if t.meshed {
            format!(
                "{} has {shown_mem}, which leaves {left} MiB for {} after {}, less than the {} MiB it needs",
                t.what,
                t.app,
                sidecars.memory_text(),
                t.min_app
            )
        } else {
            format!(
                "{} has {shown_mem}, less than the {} MiB {} needs",
                t.what, t.min_app, t.app
            )
        };
        let help = match valid_memories.and_then(|ms| ms.into_iter().find(|m| *m >= need)) {
            Some(m) => {
                format!("set `memory: {m}` (the smallest Fargate size for `cpu: {cpu}` that fits)")
            }
            None if fargate => {
                let (c, m) = FARGATE_CPUS
                    .iter()
                    .filter_map(|c| {
                        Some((*c, fargate_memories(*c)?.into_iter().find(|m| *m >= need)?))
                    })
                    .find(|(c, _)| *c > cpu)
                    .unwrap_or(names::DEFAULT_SIZE);
                format!("raise the task size, e.g. `cpu: {c}, memory: {m}`")
            }
            None => format!("set `memory` to at least `{need}`"),
        };
        let envoy_alone_fits = mem >= names::ENVOY_MEMORY_RESERVATION + t.min_app;
        ctx.error(small_code, mem_path, msg).help =
            Some(help + &sidecars.freeing(envoy_alone_fits, collector::MEMORY_RESERVATION, "MiB"));
    } else if t.meshed && cpu <= sidecars.cpu {
        ctx.error(
            small_code,
            cpu_path,
            format!(
                "{} has {shown_cpu}, which leaves no CPU for {} after {}",
                t.what,
                t.app,
                sidecars.cpu_text()
            ),
        )
        .help = Some(
            format!("set `cpu` to at least `{}`", sidecars.cpu * 2)
                + &sidecars.freeing(cpu > names::ENVOY_CPU, collector::CPU, "units"),
        );
    }
}

/// What the sidecars of a task reserve: Envoy's share in every meshed task, and on App Mesh with
/// metrics or tracing on (the only backend that runs it) the collector's beside it.
struct Sidecars {
    memory: u32,
    cpu: u32,
    /// With the collector: the `observability:` setting that drops it.
    collector_off: Option<&'static str>,
}

impl Sidecars {
    fn of(ctx: &Ctx, meshed: bool) -> Self {
        if !meshed {
            return Sidecars {
                memory: 0,
                cpu: 0,
                collector_off: None,
            };
        }
        match collector_off(ctx.spec).filter(|_| ctx.app_mesh) {
            Some(off) => Sidecars {
                memory: names::ENVOY_MEMORY_RESERVATION + collector::MEMORY_RESERVATION,
                cpu: names::ENVOY_CPU + collector::CPU,
                collector_off: Some(off),
            },
            None => Sidecars {
                memory: names::ENVOY_MEMORY_RESERVATION,
                cpu: names::ENVOY_CPU,
                collector_off: None,
            },
        }
    }

    fn memory_text(&self) -> String {
        let envoy = format!("Envoy's {} MiB", names::ENVOY_MEMORY_RESERVATION);
        match self.collector_off {
            Some(_) => format!(
                "{envoy} and the collector's {} MiB",
                collector::MEMORY_RESERVATION
            ),
            None => envoy,
        }
    }

    fn cpu_text(&self) -> String {
        let envoy = format!("Envoy's {} units", names::ENVOY_CPU);
        match self.collector_off {
            Some(_) => format!("{envoy} and the collector's {} units", collector::CPU),
            None => envoy,
        }
    }

    /// `, or set ... to drop the collector and free its 128 MiB`, when a collector runs and the
    /// task fits without it (`enough`).
    fn freeing(&self, enough: bool, share: u32, unit: &str) -> String {
        let Some(off) = self.collector_off.filter(|_| enough) else {
            return String::new();
        };
        format!(", or set `{off}` to drop the collector and free its {share} {unit}")
    }
}

/// The setting that turns the App Mesh collector off, if the spec runs one (metrics or tracing on).
fn collector_off(spec: &Spec) -> Option<&'static str> {
    let o = spec.observability();
    if !o.runs_collector() {
        return None;
    }
    Some(if o.traces() {
        "observability: { metrics: false, tracing: none }"
    } else {
        "observability: { metrics: false }"
    })
}

/// Paths whose size is a Kubernetes quantity (reported once by [`check_amounts`], not again as
/// a bad Fargate size).
pub(crate) fn quantity_paths(af: &Airflow) -> Vec<FieldPath> {
    crate::spec::paths::airflow_sizes(af)
        .into_iter()
        .filter(|(_, c, m)| {
            matches!(c, Some(Amount::Quantity(_))) || matches!(m, Some(Amount::Quantity(_)))
        })
        .map(|(p, _, _)| p)
        .collect()
}

/// On ECS every size is a number: a Kubernetes quantity (`500m`, `2Gi`) is an EKS spelling.
pub(crate) fn check_amounts(ctx: &mut Ctx, af: &Airflow) {
    for (path, cpu, memory) in crate::spec::paths::airflow_sizes(af) {
        report_quantities(ctx, &path, cpu, memory);
    }
}

/// A Kubernetes quantity where ECS wants a number.
pub(crate) fn report_quantities(
    ctx: &mut Ctx,
    path: &FieldPath,
    cpu: Option<&Amount>,
    memory: Option<&Amount>,
) {
    {
        for (key, amount, unit) in [
            ("cpu", cpu, "CPU units (1024 = 1 vCPU)"),
            ("memory", memory, "MiB"),
        ] {
            if let Some(Amount::Quantity(q)) = amount {
                ctx.error(
                    Code::AirflowInvalidTaskSize,
                    path.key(key),
                    format!(
                        "`{key}: {q}` is a Kubernetes quantity, but ECS takes {unit} as a number"
                    ),
                )
                .help = Some(format!(
                    "write a number, e.g. `{key}: {}`, or set `platform: eks` to run on EKS",
                    if key == "cpu" { 1024 } else { 2048 }
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes_follow_the_table() {
        assert_eq!(fargate_memories(256), Some(vec![512, 1024, 2048]));
        assert_eq!(fargate_memories(512), Some(vec![1024, 2048, 3072, 4096]));
        let m = fargate_memories(4096).unwrap();
        assert_eq!((m[0], *m.last().unwrap(), m.len()), (8192, 30720, 23));
        let m = fargate_memories(8192).unwrap();
        assert_eq!(
            (m[0], *m.last().unwrap(), m[1] - m[0]),
            (16384, 61440, 4096)
        );
        let m = fargate_memories(16384).unwrap();
        assert_eq!(
            (m[0], *m.last().unwrap(), m[1] - m[0]),
            (32768, 122880, 8192)
        );
        assert_eq!(fargate_memories(300), None);
    }
}
