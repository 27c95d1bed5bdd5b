//! Model files for the command line: memory-mapped, so the weights' pages are
//! never read. The loader skips `raw_data` fields by length without touching
//! them, so profiling a 100 MB ResNet-50 reads only its few kilobytes of graph.

use std::ops::Deref;
use std::path::Path;

pub enum ModelBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Deref for ModelBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ModelBytes::Mapped(m) => m,
            ModelBytes::Read(v) => v,
        }
    }
}

/// Maps `path`, or reads it when it cannot be mapped (a pipe, an empty file).
pub fn open(path: &Path) -> Result<ModelBytes, String> {
    let err = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(err)?;
    let len = file.metadata().map_err(err)?.len();
    if len > 0 && file.metadata().map_err(err)?.is_file() {
        // SAFETY: the map is read-only and lives while the model is profiled. A
        // file truncated by another process meanwhile would fault (SIGBUS); that
        // is the documented risk of mapping, accepted for a read-once CLI.
        if let Ok(m) = unsafe { memmap2::Mmap::map(&file) } {
            // Only scattered tensor headers are read: no readahead of the weights.
            #[cfg(unix)]
            let _ = m.advise(memmap2::Advice::Random);
            return Ok(ModelBytes::Mapped(m));
        }
    }
    std::fs::read(path).map(ModelBytes::Read).map_err(err)
}
