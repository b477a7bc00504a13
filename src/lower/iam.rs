//! IAM policy documents and ARNs, as graph values.

use crate::ir::{Obj, Pseudo, Value};

pub fn arn(service: &str, region: bool, account: bool, resource: Vec<Value>) -> Value {
    let mut parts = vec![
        Value::str("arn:"),
        Value::Pseudo(Pseudo::Partition),
        Value::str(format!(":{service}:")),
    ];
    if region {
        parts.push(Value::Pseudo(Pseudo::Region));
    }
    parts.push(Value::str(":"));
    if account {
        parts.push(Value::Pseudo(Pseudo::AccountId));
    }
    parts.push(Value::str(":"));
    parts.extend(resource);
    Value::Join(parts)
}

pub fn statement(actions: &[&str], resources: Vec<Value>) -> Value {
    Obj::new()
        .set("Effect", "Allow")
        .set(
            "Action",
            actions.iter().map(|a| Value::str(*a)).collect::<Vec<_>>(),
        )
        .set("Resource", resources)
        .into()
}

pub fn policy(statements: Vec<Value>) -> Value {
    Obj::new()
        .set("Version", "2012-10-17")
        .set("Statement", statements)
        .into()
}
