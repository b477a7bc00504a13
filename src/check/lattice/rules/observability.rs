//! `observability.tracing` on VPC Lattice: Lattice passes calls on without tracing them, and
//! runs nothing beside the tasks that could.

use crate::check::Ctx;
use crate::diagnostic::{Code, FieldPath};
use crate::spec::Tracing;

pub(super) fn check(ctx: &mut Ctx, strict: bool) {
    let Some(obs) = &ctx.spec.observability else {
        return;
    };
    if obs.tracing != Tracing::Xray {
        return;
    }
    let path = FieldPath::root().key("observability").key("tracing");
    let msg = "VPC Lattice does not trace calls, so `tracing: xray` adds nothing to the Lattice output (the App Mesh output, when rendered, still traces through Envoy)";
    let d = if strict {
        ctx.error(Code::ObservabilityTracingUnsupported, path, msg)
    } else {
        ctx.warning(Code::ObservabilityTracingUnsupported, path, msg)
    };
    d.help = Some(
        "to trace on VPC Lattice, instrument the applications with OpenTelemetry (the X-Ray SDKs reach end of support on 2027-02-25) and run a collector beside them; or set `tracing: none`"
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load::load;

    fn found(tracing: &str, strict: bool) -> Vec<(Code, bool)> {
        let text =
            format!("name: x\nmesh: {{ name: x }}\nobservability: {{ tracing: {tracing} }}\n");
        let spec = load(&text).spec.expect("loads");
        let mut ctx = Ctx::new(&spec);
        check(&mut ctx, strict);
        ctx.out.iter().map(|d| (d.code, d.is_error())).collect()
    }

    #[test]
    fn xray_is_a_warning_and_an_error_under_strict() {
        let code = Code::ObservabilityTracingUnsupported;
        assert_eq!(found("xray", false), [(code, false)]);
        assert_eq!(found("xray", true), [(code, true)]);
        assert!(found("none", true).is_empty());
    }
}
