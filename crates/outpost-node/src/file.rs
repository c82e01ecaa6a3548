//! Files of the data dir: private directories and writes a crash cannot tear.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Creates `dir` if needed and makes it private to this user (mode 0700 on Unix): the
/// book, its key and its records are nobody else's business.
pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    let err = |source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Creates (or truncates) a file only its owner may read or write (mode 0600 on Unix,
/// whatever the umask): bundles, backups and the data dir's files hold business data.
pub(crate) fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    // A file that existed before kept its mode: tighten it too.
    make_private(path)?;
    Ok(file)
}

/// Makes an existing file readable and writable by its owner only (files of data dirs
/// made by earlier versions were world-readable).
pub(crate) fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Writes a file so that a crash leaves either the old file or the whole new one: a
/// temporary file (private to the owner) is written and synced, renamed over the old
/// one, and the directory is synced so the rename itself survives a power cut.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("partial");
    {
        let mut f = create_private(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)?;
    sync_parent(path).map_err(err)
}

/// Syncs the directory holding `path`, so that a rename or a new file in it survives a
/// power cut.
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directories open read-only for syncing; on systems where that fails the rename
        // is still atomic, only its durability is the file system's.
        if let Ok(d) = File::open(dir) {
            d.sync_all()?;
        }
    }
    Ok(())
}

/// Reads a small file a user gave (a join request), refusing one larger than `max`
/// bytes before reading it.
pub(crate) fn read_small(path: &Path, max: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    let err = |source| Error::File {
        path: path.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    File::open(path)
        .map_err(err)?
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() > max {
        return Err(err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        )));
    }
    Ok(bytes)
}
