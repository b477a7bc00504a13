//! The sink every rule writes to.

use crate::diagnostic::{Code, Diagnostic, Diagnostics, FieldPath};
use crate::spec::Spec;

/// The spec under check and the diagnostics found so far.
pub struct Ctx<'a> {
    pub spec: &'a Spec,
    pub out: Diagnostics,
    /// Whether the App Mesh backend is rendered: its quotas and Envoy's behaviour matter only
    /// then (the spec language's own rules hold for every backend).
    pub app_mesh: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(spec: &'a Spec) -> Self {
        Self {
            spec,
            out: Diagnostics::default(),
            app_mesh: true,
        }
    }
    pub fn error(
        &mut self,
        code: Code,
        path: FieldPath,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, path, msg))
    }
    pub fn warning(
        &mut self,
        code: Code,
        path: FieldPath,
        msg: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, path, msg))
    }
    fn push(&mut self, d: Diagnostic) -> &mut Diagnostic {
        self.out.push(d);
        self.out.last_mut()
    }
}
