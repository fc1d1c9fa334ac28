package slide

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// Fingerprint sampling: the head and tail of the file (where TIFF headers,
// IFDs and vendor metadata live) plus evenly spaced chunks of the body. It
// reads at most about 3.5 MiB whatever the file size, so it takes
// milliseconds on a 3 GB slide, and changes when the content does in
// practice (any re-scan or re-encode changes header and tile bytes).
const (
	fingerprintEdge   = 1 << 20  // bytes hashed at each end
	fingerprintChunk  = 64 << 10 // bytes per body sample
	fingerprintChunks = 24       // number of body samples
)

// FingerprintFile returns "t1:" and the hex sha256 of the file's size and
// sampled content. It is stable across renames and copies.
func FingerprintFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", path, err)
	}
	size := st.Size()
	h := sha256.New()
	var sz [8]byte
	binary.LittleEndian.PutUint64(sz[:], uint64(size))
	h.Write(sz[:])
	hashAt := func(off, n int64) error {
		if off < 0 {
			off = 0
		}
		if off+n > size {
			n = size - off
		}
		if n <= 0 {
			return nil
		}
		_, err := io.Copy(h, io.NewSectionReader(f, off, n))
		return err
	}
	if size <= 2*fingerprintEdge+fingerprintChunks*fingerprintChunk {
		err = hashAt(0, size)
	} else {
		err = hashAt(0, fingerprintEdge)
		body := size - 2*fingerprintEdge
		for i := int64(0); i < fingerprintChunks && err == nil; i++ {
			err = hashAt(fingerprintEdge+body*i/fingerprintChunks, fingerprintChunk)
		}
		if err == nil {
			err = hashAt(size-fingerprintEdge, fingerprintEdge)
		}
	}
	if err != nil {
		return "", fmt.Errorf("fingerprint %s: %w", path, err)
	}
	return "t1:" + hex.EncodeToString(h.Sum(nil)), nil
}
