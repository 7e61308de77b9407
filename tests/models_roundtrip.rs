//! Every model of the checked-in clients decodes a sample with every property set and
//! encodes it back unchanged: once with values, once with `null` wherever the spec
//! allows it. The samples come from the clients' IR (see build.rs), so no model is
//! left out.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

type Case = (&'static str, fn(&str) -> Result<(), String>, &'static str);

fn round_trip<T: DeserializeOwned + Serialize>(sample: &str) -> Result<(), String> {
    let input: Value = serde_json::from_str(sample).map_err(|e| format!("the sample is not JSON: {e}"))?;
    let decoded: T = serde_json::from_value(input.clone()).map_err(|e| format!("does not decode: {e}\n  sample: {input}"))?;
    let output = serde_json::to_value(&decoded).map_err(|e| format!("does not encode: {e}"))?;
    if output != input {
        return Err(format!("changed on the way through\n  in:  {input}\n  out: {output}"));
    }
    Ok(())
}

fn check(cases: &[Case], at_least: usize) {
    assert!(cases.len() >= at_least, "only {} cases: the build script found fewer models than expected", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(name, check, sample)| check(sample).err().map(|e| format!("{name}: {e}")))
        .collect();
    assert!(failures.is_empty(), "{} of {} models do not round-trip:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_platform_model_round_trips() {
    let cases: &[Case] = &include!(concat!(env!("OUT_DIR"), "/platform_models.rs"));
    // 141 models (identical inline types merged) less the per-status success types,
    // twice (values, then nulls).
    check(cases, 282);
}

#[test]
fn every_controlplane_model_round_trips() {
    let cases: &[Case] = &include!(concat!(env!("OUT_DIR"), "/controlplane_models.rs"));
    check(cases, 16);
}

/// The check itself fails on a lossy type, so a pass above means something.
#[test]
fn a_lossy_model_is_caught() {
    #[derive(serde::Deserialize, serde::Serialize)]
    struct Lossy {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }
    assert!(round_trip::<Lossy>(r#"{"note":"x"}"#).is_ok());
    let err = round_trip::<Lossy>(r#"{"note":null}"#).expect_err("null is dropped by Option");
    assert!(err.contains("changed"), "{err}");
}
