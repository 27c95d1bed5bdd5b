//! Getting bytes: the user's file (read locally, never sent anywhere) or a
//! bundled sample (fetched from this site's own `samples/` folder).

use gloo::net::http::Request;

/// Largest file the page tries to hold (wasm32 has a 4 GiB address space and
/// the loader needs room beside the file).
pub const MAX_BYTES: u64 = 1_500_000_000;

pub async fn read_file(f: web_sys::File) -> Result<Vec<u8>, String> {
    let f = gloo::file::File::from(f);
    gloo::file::futures::read_as_bytes(&f).await.map_err(|e| format!("The browser could not read the file: {e}"))
}

/// Names listed in `samples/index.json` (a JSON array of base names).
pub async fn sample_list() -> Vec<String> {
    let Ok(r) = Request::get("samples/index.json").send().await else { return Vec::new() };
    if !r.ok() {
        return Vec::new();
    }
    r.json::<Vec<String>>().await.unwrap_or_default()
}

pub async fn fetch_sample(name: &str) -> Result<Vec<u8>, String> {
    let url = format!("samples/{name}.onnx");
    let r = Request::get(&url).send().await.map_err(|e| format!("Could not fetch the sample {name}: {e}"))?;
    if !r.ok() {
        return Err(format!("The sample {name} is not bundled with this site (HTTP {}).", r.status()));
    }
    r.binary().await.map_err(|e| format!("Could not read the sample {name}: {e}"))
}
