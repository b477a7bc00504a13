//! Identifier spellings shared by the checks and the renderers: PascalCase for CloudFormation
//! logical IDs and parameters, snake_case for Terraform names and variables.

/// `orders-v1` → `OrdersV1`; `orders.orders.internal` → `OrdersOrdersInternal`.
pub fn pascal_case(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            let first = c.next().map(|f| f.to_ascii_uppercase());
            first.into_iter().chain(c).collect::<String>()
        })
        .collect()
}

/// `orders-v1` → `orders_v1`; `OrdersV1` → `orders_v1`; a leading digit gets a `_` prefix.
pub fn snake_case(s: &str) -> String {
    // Only ASCII letters and digits matter; any other character (every byte of one outside
    // ASCII) is a separator, so the bytes can be read directly.
    let chars = s.as_bytes();
    let mut out = String::with_capacity(s.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let c = char::from(c);
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| char::from(chars[j]));
            let next = chars.get(i + 1).map(|&n| char::from(n));
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        assert_eq!(pascal_case("orders-v1"), "OrdersV1");
        assert_eq!(
            pascal_case("orders.orders.internal"),
            "OrdersOrdersInternal"
        );
        assert_eq!(snake_case("orders-v1"), "orders_v1");
        assert_eq!(snake_case("AWSCloudMap"), "aws_cloud_map");
        assert_eq!(snake_case("Http2Route"), "http2_route");
        assert_eq!(snake_case("HTTP2"), "http2");
        assert_eq!(snake_case("IntervalMillis"), "interval_millis");
        assert_eq!(snake_case("TTL"), "ttl");
        assert_eq!(snake_case("9lives"), "_9lives");
        // A character outside ASCII separates, however many bytes it takes.
        assert_eq!(snake_case("héllo-Wörld"), "h_llo_w_rld");
        assert_eq!(snake_case("ÉtatA"), "tat_a");
    }
}
