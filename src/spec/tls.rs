use schemars::JsonSchema;
use serde::Deserialize;

/// TLS on a listener.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ListenerTls {
    /// `strict` (TLS only), `permissive` (TLS and plain text) or `disabled`.
    pub mode: TlsMode,
    /// The server certificate: set exactly one of `acm`, `file`, `sds`. Required unless `mode` is `disabled`.
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// Mutual TLS: how this listener validates client certificates (`file` or `sds` trust; not `acm`).
    #[serde(default)]
    pub validation: Option<TlsValidation>,
}

/// Listener TLS mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TlsMode {
    /// Only TLS connections are accepted.
    Strict,
    /// TLS and plain-text connections are accepted.
    Permissive,
    /// TLS is off.
    Disabled,
}

/// A certificate: set exactly one of `acm`, `file` and `sds`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct Certificate {
    /// The ARN of an ACM certificate (listeners only; never a client certificate).
    #[serde(default)]
    pub acm: Option<String>,
    /// A certificate and key on the Envoy's file system.
    #[serde(default)]
    pub file: Option<FileCertificate>,
    /// The name of a secret served by an SDS provider (e.g. SPIRE).
    #[serde(default)]
    pub sds: Option<String>,
}

/// A certificate chain and private key on disk.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FileCertificate {
    /// Path of the PEM certificate chain (1–255 characters).
    pub certificate_chain: String,
    /// Path of the PEM private key (1–255 characters).
    pub private_key: String,
}

/// How a peer's certificate is validated.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct TlsValidation {
    /// The trusted certificate authorities: set exactly one of `acm`, `file` and `sds`.
    pub trust: TlsTrust,
    /// Accept only certificates with one of these subject alternative names.
    #[serde(default)]
    pub subject_alternative_names: Vec<String>,
}

/// Trusted certificate authorities: set exactly one.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct TlsTrust {
    /// ARNs of 1–3 AWS Private CA authorities (client policies only).
    #[serde(default)]
    pub acm: Option<Vec<String>>,
    /// A PEM bundle of CA certificates on the Envoy's file system.
    #[serde(default)]
    pub file: Option<FileTrust>,
    /// The name of an SDS secret holding the trusted CAs.
    #[serde(default)]
    pub sds: Option<String>,
}

/// A CA bundle on disk.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct FileTrust {
    /// Path of the PEM CA bundle (1–255 characters).
    pub certificate_chain: String,
}

/// A client policy for outbound calls.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct ClientPolicy {
    /// TLS for outbound calls.
    #[serde(default)]
    pub tls: Option<ClientTls>,
}

/// Outbound TLS.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct ClientTls {
    /// Whether TLS is required. Default: true.
    #[serde(default)]
    pub enforce: Option<bool>,
    /// Only use TLS for these backend ports. Default: every port.
    #[serde(default)]
    pub ports: Vec<u32>,
    /// A client certificate for mutual TLS (`file` or `sds`; ACM certificates cannot be exported to Envoy as client certificates).
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// How the server's certificate is validated.
    pub validation: TlsValidation,
}
