// Package attach owns attachment storage: photos sent with grid reports and
// cases, kept content-addressed by the SHA-256 of the stored bytes.
//
// An upload goes through [Service.Prepare], which recognises the type by
// content, never by file name (JPEG, PNG and WebP by their magic bytes;
// anything else, e.g. an ELF or PE executable renamed to .jpg, is refused
// with a *TypeError naming what it is), checks the size and pixel limits,
// reads the Exif GPS position when present and strips the metadata that can
// carry it: every JPEG APP1 segment (Exif and XMP), PNG eXIf chunks and WebP
// EXIF and XMP chunks. The stored bytes and their hash are the stripped
// ones. [Service.Save] then writes them to a [Blobs] store; preparing does no
// I/O, so a request refused after its photos were prepared stores nothing.
//
// [Dir] is the default Blobs: files under a directory, named by hash
// (<dir>/ab/cdef…), written atomically and verified against their name when
// read. An S3-compatible object store would implement the same two-method
// interface (keys are the hex hashes); this package ships no S3
// implementation.
//
// Stripping Exif also drops the orientation tag, so a photo taken sideways
// may show sideways; JPEG APP13 (IPTC) segments and PNG text chunks are kept.
package attach
