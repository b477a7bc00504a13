//! The CloudWatch dashboard body, as typed values: widgets, their metrics and queries, laid out
//! in rows of 24 columns. [`Body::to_value`] turns it into the IR's JSON text (the region and the
//! Lattice service IDs are only known at deploy time).
//!
//! Body structure: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

use std::collections::BTreeMap;

use serde::ser::{SerializeSeq, Serializer};
use serde::Serialize;

use crate::ir::{Attr, Kind, Pseudo, ResourceId, Value};

/// CloudWatch's quotas per dashboard (cloudwatch_limits: "Up to 500 widgets per dashboard. Up to
/// 500 metrics per dashboard widget. Up to 2500 metrics per dashboard, across all widgets").
/// A widget's metrics grow with callers × targets; 500 of them would take 25 callers of a
/// service with 10 targets, so widgets are not split.
pub const MAX_WIDGETS: usize = 500;
pub const MAX_METRICS: usize = 2500;
/// CloudWatch documents no byte limit for a body; one stays under CloudFormation's 1 MB template
/// body, the largest it could ever be deployed in.
pub const MAX_BODY_BYTES: usize = 1_000_000;
/// The dashboard grid's width.
pub const GRID_WIDTH: u32 = 24;

/// A string only known at deploy time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dyn {
    Region,
    /// The ID (`svc-...`) of the Lattice service of a virtual service.
    LatticeServiceId(String),
}

/// Dynamic strings travel through serde as a marker no spec name can hold (names are checked to
/// be printable), and come back as IR values in [`Body::to_value`].
const MARK: char = '\u{0}';

impl Serialize for Dyn {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Dyn::Region => s.collect_str(&format_args!("{MARK}region")),
            Dyn::LatticeServiceId(n) => s.collect_str(&format_args!("{MARK}svc:{n}")),
        }
    }
}

/// A plain or deploy-time string.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Text {
    Plain(String),
    Dyn(Dyn),
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_owned())
    }
}
impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Plain(s)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Body {
    pub start: &'static str,
    #[serde(rename = "periodOverride")]
    pub period_override: &'static str,
    pub widgets: Vec<Widget>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Widget {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub properties: Properties,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Properties {
    Metric(MetricProperties),
    Log(LogProperties),
    Text(TextProperties),
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricProperties {
    pub title: String,
    pub region: Dyn,
    pub view: &'static str,
    pub stacked: bool,
    pub period: u32,
    pub stat: String,
    pub metrics: Vec<MetricRow>,
    #[serde(rename = "yAxis")]
    pub y_axis: YAxis,
}

#[derive(Debug, Clone, Serialize)]
pub struct YAxis {
    pub left: Axis,
}

#[derive(Debug, Clone, Serialize)]
pub struct Axis {
    pub min: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(rename = "showUnits")]
    pub show_units: bool,
}

/// One line (or hidden input) of a metric widget.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricRow {
    /// `[namespace, name, dim, value, ..., { id, stat, label, visible }]`.
    Metric {
        namespace: String,
        name: String,
        dimensions: Vec<(String, Text)>,
        options: RowOptions,
    },
    /// `[{ expression, label, id }]`.
    Expression {
        expression: String,
        label: String,
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOptions {
    pub id: String,
    pub stat: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub visible: bool,
}

impl Serialize for MetricRow {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MetricRow::Metric {
                namespace,
                name,
                dimensions,
                options,
            } => {
                let mut seq = s.serialize_seq(Some(3 + dimensions.len() * 2))?;
                seq.serialize_element(namespace)?;
                seq.serialize_element(name)?;
                for (k, v) in dimensions {
                    seq.serialize_element(k)?;
                    seq.serialize_element(v)?;
                }
                seq.serialize_element(options)?;
                seq.end()
            }
            MetricRow::Expression {
                expression,
                label,
                id,
            } => {
                let mut seq = s.serialize_seq(Some(1))?;
                let mut m = BTreeMap::new();
                m.insert("expression", expression);
                m.insert("label", label);
                m.insert("id", id);
                seq.serialize_element(&m)?;
                seq.end()
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LogProperties {
    pub title: String,
    pub region: Dyn,
    pub view: &'static str,
    pub query: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TextProperties {
    pub markdown: String,
}

impl Widget {
    /// How many metrics the widget counts against the quotas (expressions do not count; the
    /// metrics they read do).
    pub fn metric_count(&self) -> usize {
        match &self.properties {
            Properties::Metric(m) => m
                .metrics
                .iter()
                .filter(|r| matches!(r, MetricRow::Metric { .. }))
                .count(),
            _ => 0,
        }
    }
}

impl Body {
    pub fn new(widgets: Vec<Widget>) -> Self {
        Body {
            start: "-PT3H",
            period_override: "inherit",
            widgets,
        }
    }

    /// The body's JSON text as CloudWatch reads it, with deploy-time values as markers.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a dashboard body serializes")
    }

    /// The body as IR JSON text: CloudFormation gets one `Fn::Sub`, Terraform `jsonencode`.
    pub fn to_value(&self) -> Value {
        Value::JsonText(Box::new(crate::ir::value_of(self, string)))
    }
}

/// A string of the body, with deploy-time markers turned back into IR values.
fn string(s: &str) -> Value {
    match s.strip_prefix(MARK) {
        Some("region") => Value::Pseudo(Pseudo::Region),
        Some(rest) => match rest.strip_prefix("svc:") {
            Some(vs) => Value::Ref(ResourceId::new(Kind::LatticeService, vs), Attr::Id),
            None => Value::str(s),
        },
        None => Value::str(s),
    }
}

/// Rows of widgets (each row's widgets stay on one dashboard) split into dashboards within the
/// quotas; every dashboard starts with `header`.
pub fn paginate(header: &Widget, rows: Vec<Vec<Widget>>) -> Vec<Body> {
    // Running totals, so splitting stays linear in the number of widgets.
    #[derive(Default, Clone, Copy)]
    struct Load {
        widgets: usize,
        metrics: usize,
        bytes: usize,
    }
    let load = |ws: &[Widget]| Load {
        widgets: ws.len(),
        metrics: ws.iter().map(Widget::metric_count).sum(),
        // Each widget's JSON and its separating comma.
        bytes: ws.iter().map(|w| json_len(w) + 1).sum(),
    };
    let empty = Body::new(Vec::new()).to_text().len();
    let head = load(std::slice::from_ref(header));
    let mut pages: Vec<Vec<Widget>> = Vec::new();
    let mut current: Vec<Widget> = vec![header.clone()];
    let mut used = head;
    for row in rows {
        let add = load(&row);
        let fits = used.widgets + add.widgets <= MAX_WIDGETS
            && used.metrics + add.metrics <= MAX_METRICS
            && empty + used.bytes + add.bytes <= MAX_BODY_BYTES;
        // A row that does not fit even alone still gets a dashboard of its own.
        if !fits && current.len() > 1 {
            pages.push(std::mem::replace(&mut current, vec![header.clone()]));
            used = head;
        }
        used.widgets += add.widgets;
        used.metrics += add.metrics;
        used.bytes += add.bytes;
        current.extend(row);
    }
    pages.push(current);
    pages.into_iter().map(lay_out).collect()
}

/// The length of `w`'s compact JSON, counted as it is written rather than kept.
fn json_len(w: &Widget) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut n = Count(0);
    serde_json::to_writer(&mut n, w).expect("a widget serializes");
    n.0
}

/// Places widgets left to right, wrapping at the grid's width.
fn lay_out(mut widgets: Vec<Widget>) -> Body {
    let (mut x, mut y, mut row_height) = (0, 0, 0);
    for w in &mut widgets {
        if x + w.width > GRID_WIDTH {
            x = 0;
            y += row_height;
            row_height = 0;
        }
        w.x = x;
        w.y = y;
        x += w.width;
        row_height = row_height.max(w.height);
        if x >= GRID_WIDTH {
            x = 0;
            y += row_height;
            row_height = 0;
        }
    }
    Body::new(widgets)
}

/// A metric widget.
pub fn metric(
    title: String,
    width: u32,
    stat: &str,
    unit: &str,
    metrics: Vec<MetricRow>,
) -> Widget {
    Widget {
        kind: "metric",
        x: 0,
        y: 0,
        width,
        height: 6,
        properties: Properties::Metric(MetricProperties {
            title,
            region: Dyn::Region,
            view: "timeSeries",
            stacked: false,
            period: crate::observe::PERIOD_SECONDS,
            stat: stat.to_owned(),
            metrics,
            y_axis: YAxis {
                left: Axis {
                    min: 0,
                    label: Some(unit.to_owned()),
                    show_units: false,
                },
            },
        }),
    }
}

/// A Logs Insights widget over `log_groups`.
pub fn log(
    title: String,
    width: u32,
    view: &'static str,
    log_groups: &[String],
    query: &str,
) -> Widget {
    let sources: Vec<String> = log_groups.iter().map(|g| format!("SOURCE '{g}'")).collect();
    Widget {
        kind: "log",
        x: 0,
        y: 0,
        width,
        height: 6,
        properties: Properties::Log(LogProperties {
            title,
            region: Dyn::Region,
            view,
            query: format!("{} | {query}", sources.join(" | ")),
        }),
    }
}

/// A Markdown widget.
pub fn text(markdown: String, width: u32, height: u32) -> Widget {
    Widget {
        kind: "text",
        x: 0,
        y: 0,
        width,
        height,
        properties: Properties::Text(TextProperties { markdown }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: usize) -> Vec<Widget> {
        (0..n).map(|i| text(format!("w{i}"), 8, 6)).collect()
    }

    #[test]
    fn rows_wrap_and_pages_split_at_the_widget_quota() {
        let header = text("h".into(), 24, 2);
        let pages = paginate(&header, vec![row(3), row(3)]);
        assert_eq!(pages.len(), 1);
        let ys: Vec<(u32, u32)> = pages[0].widgets.iter().map(|w| (w.x, w.y)).collect();
        assert_eq!(
            ys,
            [(0, 0), (0, 2), (8, 2), (16, 2), (0, 8), (8, 8), (16, 8)]
        );
        let many: Vec<Vec<Widget>> = (0..300).map(|_| row(2)).collect();
        let pages = paginate(&header, many);
        assert_eq!(pages.len(), 2);
        assert!(pages.iter().all(|p| p.widgets.len() <= MAX_WIDGETS));
        assert_eq!(pages.iter().map(|p| p.widgets.len()).sum::<usize>(), 602);
    }

    #[test]
    fn deploy_time_values_become_references() {
        let w = metric(
            "t".into(),
            8,
            "Sum",
            "requests",
            vec![MetricRow::Metric {
                namespace: "AWS/VpcLattice".into(),
                name: "TotalRequestCount".into(),
                dimensions: vec![(
                    "Service".into(),
                    Text::Dyn(Dyn::LatticeServiceId("a.b".into())),
                )],
                options: RowOptions {
                    id: "r0".into(),
                    stat: "Sum".into(),
                    label: None,
                    visible: true,
                },
            }],
        );
        let text = Body::new(vec![w.clone()]).to_text();
        assert!(text.contains(
            "[\"AWS/VpcLattice\",\"TotalRequestCount\",\"Service\",\"\\u0000svc:a.b\",{"
        ));
        let body = Body::new(vec![w]);
        let Value::JsonText(v) = body.to_value() else {
            panic!()
        };
        // As it was read from a serde_json::Value.
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(*v, crate::ir::ser::from_json(&json, string));
        let mut refs = Vec::new();
        v.visit_refs(&mut |id, _| refs.push(id.name.clone()));
        assert_eq!(refs, ["a.b"]);
    }
}
