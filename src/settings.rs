//! Framework settings: each framework declares a table of [`SettingSpec`]s with
//! its real defaults; user values (`--set crypten.parties=3`, the web form) are
//! validated here, once, against that table.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What values a setting accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Allowed {
    /// One of a fixed list of words.
    OneOf(&'static [&'static str]),
    /// An integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// `true` or `false`.
    Bool,
}

/// One setting of one framework, with the framework's own default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingSpec {
    pub key: &'static str,
    pub default: &'static str,
    pub allowed: Allowed,
    /// One line: what it changes and where the default comes from.
    pub help: &'static str,
}

impl SettingSpec {
    /// Checks `value`, returning its canonical spelling or a message listing the valid values.
    pub fn check(&self, value: &str) -> Result<String, String> {
        let v = value.trim();
        match &self.allowed {
            Allowed::OneOf(words) => {
                words.iter().find(|w| w.eq_ignore_ascii_case(v)).map(|w| w.to_string()).ok_or_else(|| {
                    format!("invalid value '{v}' for {}: expected one of {}", self.key, words.join(", "))
                })
            }
            Allowed::Int { min, max } => match v.parse::<i64>() {
                Ok(n) if n >= *min && n <= *max => Ok(n.to_string()),
                _ => Err(format!("invalid value '{v}' for {}: expected an integer from {min} to {max}", self.key)),
            },
            Allowed::Bool => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok("true".into()),
                "false" | "0" | "no" | "off" => Ok("false".into()),
                _ => Err(format!("invalid value '{v}' for {}: expected true or false", self.key)),
            },
        }
    }
    /// Human description of the allowed values.
    pub fn allowed_text(&self) -> String {
        match &self.allowed {
            Allowed::OneOf(w) => w.join(" | "),
            Allowed::Int { min, max } => format!("{min}..{max}"),
            Allowed::Bool => "true | false".into(),
        }
    }
}

/// Effective settings of one framework: every key of its table, defaults filled in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings(pub BTreeMap<String, String>);

impl Settings {
    /// The defaults of `specs`.
    pub fn defaults(specs: &[SettingSpec]) -> Settings {
        Settings(specs.iter().map(|s| (s.key.to_string(), s.default.to_string())).collect())
    }

    /// Sets `key` to `value` after checking both against `specs`.
    pub fn set(&mut self, specs: &[SettingSpec], framework: &str, key: &str, value: &str) -> Result<(), String> {
        let spec = specs.iter().find(|s| s.key.eq_ignore_ascii_case(key)).ok_or_else(|| {
            let keys: Vec<_> = specs.iter().map(|s| s.key).collect();
            if keys.is_empty() {
                format!("{framework} has no settings")
            } else {
                format!("unknown setting '{framework}.{key}': valid keys are {}", keys.join(", "))
            }
        })?;
        let v = spec.check(value)?;
        self.0.insert(spec.key.to_string(), v);
        Ok(())
    }

    /// The value of a declared setting. Every key of the framework's table is filled in by
    /// [`Settings::defaults`], so a key that is missing is a typo in a cost model: it fails
    /// loudly instead of reading as "" (or 0, or false) and making a formula free.
    pub fn get(&self, key: &str) -> &str {
        match self.0.get(key) {
            Some(v) => v,
            None => panic!("setting '{key}' is not declared in this framework's settings table"),
        }
    }
    /// An integer setting (its spec checked it is one).
    pub fn int(&self, key: &str) -> i64 {
        let v = self.get(key);
        v.parse().unwrap_or_else(|_| panic!("setting '{key}' = '{v}' is not an integer"))
    }
    /// A flag setting (its spec checked it is `true` or `false`).
    pub fn flag(&self, key: &str) -> bool {
        match self.get(key) {
            "true" => true,
            "false" => false,
            v => panic!("setting '{key}' = '{v}' is not true or false"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const SPECS: &[SettingSpec] = &[
        SettingSpec { key: "parties", default: "2", allowed: Allowed::Int { min: 2, max: 8 }, help: "" },
        SettingSpec { key: "provider", default: "tfp", allowed: Allowed::OneOf(&["tfp", "ttp"]), help: "" },
    ];

    #[test]
    fn unknown_key_lists_valid_keys() {
        let mut s = Settings::defaults(SPECS);
        let e = s.set(SPECS, "crypten", "partys", "3").unwrap_err();
        assert_eq!(e, "unknown setting 'crypten.partys': valid keys are parties, provider");
    }

    #[test]
    #[should_panic(expected = "setting 'partys' is not declared")]
    fn an_undeclared_key_fails_loudly() {
        Settings::defaults(SPECS).int("partys");
    }

    #[test]
    fn bad_value_lists_valid_values() {
        let mut s = Settings::defaults(SPECS);
        assert_eq!(
            s.set(SPECS, "crypten", "provider", "dealer").unwrap_err(),
            "invalid value 'dealer' for provider: expected one of tfp, ttp"
        );
        assert!(s.set(SPECS, "crypten", "parties", "9").unwrap_err().contains("from 2 to 8"));
        s.set(SPECS, "crypten", "provider", "TTP").unwrap();
        assert_eq!(s.get("provider"), "ttp");
    }
}
