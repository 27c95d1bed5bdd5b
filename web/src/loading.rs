//! Getting bytes: the user's file (read locally, never sent anywhere) or a
//! bundled sample (fetched from this site's own `samples/` folder).

use gloo::net::http::Request;

/// Largest file the page tries to hold (wasm32 has a 4 GiB address space and
/// the loader needs room beside the file).
pub const MAX_BYTES: u64 = 1_500_000_000;

/// Files at least this large are read sparsely: only the graph, not the weights.
pub const SPARSE_FROM: u64 = 1 << 20;

/// The user's file as random-access storage (`Blob.slice`), for
/// [`mpclens::loader::sparse`].
pub struct BlobSource(pub web_sys::File);

impl mpclens::loader::sparse::ReadAt for BlobSource {
    fn size(&self) -> u64 {
        self.0.size() as u64
    }
    async fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>, String> {
        let part =
            self.0.slice_with_f64_and_f64(offset as f64, (offset + len as u64) as f64).map_err(|e| format!("{e:?}"))?;
        let buf = wasm_bindgen_futures::JsFuture::from(part.array_buffer()).await.map_err(|e| format!("{e:?}"))?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }
}

/// Only the graph of a large file: (compacted model, bytes read, reads). The page's way
/// when no worker runs (the worker reads synchronously, `engine::SyncFile`).
pub async fn read_graph(f: web_sys::File) -> Result<(Vec<u8>, u64, u64), String> {
    let src = BlobSource(f);
    mpclens::loader::sparse::compact(&src)
        .await
        .map(|c| (c.model, c.read, c.reads))
        .map_err(|e| mpclens::LoadError::Corrupt { offset: Some(e.offset), what: e.what }.to_string())
}

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
