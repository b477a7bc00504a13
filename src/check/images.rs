//! Container image references: well-formed, and pinned by tag or digest.

use super::common::shown;
use super::Ctx;
use crate::diagnostic::{Code, FieldPath};

/// An image reference's pin.
pub(crate) enum Pin<'a> {
    Digest,
    Tag(&'a str),
    None,
}

pub(crate) fn image_pin(image: &str) -> Pin<'_> {
    if image.contains('@') {
        return Pin::Digest;
    }
    // A registry port (`host:5000/repo`) is not a tag: only the last path segment carries one.
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => Pin::Tag(tag),
        None => Pin::None,
    }
}

/// Images are pinned by tag or digest; no tag and `latest` are warnings.
pub(crate) fn check_image(
    ctx: &mut Ctx,
    path: &FieldPath,
    what: &str,
    image: &str,
    workload: bool,
) {
    let (invalid, unpinned) = if workload {
        (Code::WorkloadInvalidImage, Code::WorkloadUnpinnedImage)
    } else {
        (Code::AirflowInvalidImage, Code::AirflowUnpinnedImage)
    };
    if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
        let msg = if image.trim().is_empty() {
            format!("{what} is empty")
        } else {
            format!("{what} `{}` is not an image reference", shown_image(image))
        };
        ctx.error(invalid, path.clone(), msg)
        .help = Some(
            "write `repository:tag` or `repository@sha256:…`, without spaces, e.g. `apache/airflow:3.1.3`"
                .into(),
        );
        return;
    }
    let msg = match image_pin(image) {
        Pin::Digest => return,
        Pin::Tag(t) if t != "latest" => return,
        Pin::Tag(_) => format!("{what} `{}` uses the `latest` tag", shown_image(image)),
        Pin::None => format!(
            "{what} `{}` has no tag, so it means `latest`",
            shown_image(image)
        ),
    };
    ctx.warning(unpinned, path.clone(), msg).help = Some(
        "pin a version tag or a digest (`:3.1.3` or `@sha256:…`): `latest` changes under running tasks, and ECS may pull a different image for each task"
            .into(),
    );
}

/// An image for a message: whole when short, else its last path segment (which holds the tag).
pub(crate) fn shown_image(image: &str) -> String {
    if image.chars().count() <= 40 {
        return image.to_string();
    }
    match image.rsplit_once('/') {
        Some((_, last)) => format!("…/{}", shown(last)),
        None => shown(image),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_pins() {
        assert!(matches!(
            image_pin("apache/airflow:3.1.3"),
            Pin::Tag("3.1.3")
        ));
        assert!(matches!(image_pin("registry:5000/airflow"), Pin::None));
        assert!(matches!(
            image_pin("registry:5000/airflow:2.0"),
            Pin::Tag("2.0")
        ));
        assert!(matches!(
            image_pin("apache/airflow@sha256:abc"),
            Pin::Digest
        ));
    }
}
