package annotation

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"tessera/internal/atomicfile"
)

// Load reads annotations from a file: GeoJSON (any of its forms), or
// ImageScope or ASAP XML (told apart by content, whatever the extension).
func Load(path string) (*Collection, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimSpace(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	var c *Collection
	if len(head) > 0 && head[0] == '<' {
		c, err = ReadXML(f)
	} else {
		c, err = ReadGeoJSON(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Save writes the collection as GeoJSON atomically.
func (c *Collection) Save(path string) error {
	return atomicfile.Write(path, c.WriteGeoJSON)
}
