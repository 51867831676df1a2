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
// read. [S3] keeps the same keys as objects of an S3-compatible bucket
// (AWS S3, MinIO, Ceph RGW, OSS/COS in S3 mode), path-style or
// virtual-hosted, over plain net/http with AWS Signature Version 4 signed
// here (no SDK); the signer is tested against the published AWS test
// vectors, the client against an in-memory fake that recomputes every
// signature, not against a real store.
//
// Stripping Exif also drops the orientation tag, so a photo taken sideways
// may show sideways; JPEG APP13 (IPTC) segments and PNG text chunks are kept.
package attach
