package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
)

// input is one file's content, ready to be read as many times as reading
// it needs: the file itself when it is a regular file, else a private
// temporary copy of what standard input, a pipe or a device gave. Its
// SHA-256 is known before any reading is stored (the store records it,
// and FHIR ids without a source are scoped by it), so an input is read
// once through before it is parsed.
type input struct {
	name  string      // for messages: the path, or "stdin"
	ra    io.ReaderAt // the bytes
	start int64       // where the content starts: after a UTF-8 byte-order mark
	size  int64       // bytes of content from start
	sum   [sha256.Size]byte
	first byte // the content's first byte that is not white space; 0: none
	close func() error
}

// content returns a reader of the input's content, from its start.
func (in *input) content() *io.SectionReader {
	return io.NewSectionReader(in.ra, in.start, in.size)
}

// chunkSize is how much of a file is read at a time while it is hashed.
const chunkSize = 64 << 10

// sniffLen is how much of a file's start is checked for being text.
const sniffLen = 4 << 10

// openInput opens the file at path, or standard input for "-", checks
// that it starts as text does and hashes it. Anything but a regular file
// (standard input, a pipe, a device) is copied to a temporary file as it
// is hashed; /dev/zero and other binary streams are refused at their
// first bytes. A cancelled ctx ends it at once, even while a pipe keeps
// it waiting.
func openInput(ctx context.Context, path string, stdin io.Reader) (*input, error) {
	in := &input{name: path, close: func() error { return nil }}
	var src io.Reader
	if path == "-" {
		in.name = "stdin"
		src = stdin
		if src == nil {
			src = bytes.NewReader(nil)
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, &Error{File: path, Err: fmt.Errorf("cannot read it: %w", unwrapPath(err))}
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, &Error{File: path, Err: fmt.Errorf("cannot read it: %w", unwrapPath(err))}
		}
		if fi.IsDir() {
			f.Close()
			return nil, &Error{File: path, Err: errors.New("is a folder: name the files in it")}
		}
		if fi.Mode().IsRegular() {
			in.ra, in.close = f, f.Close
			if err := in.scan(ctx, f, nil); err != nil {
				in.close()
				return nil, err
			}
			return in, nil
		}
		// A pipe or a device: its bytes come once.
		defer f.Close()
		src = f
	}
	tmp, err := os.CreateTemp("", "vitals-import-*")
	if err != nil {
		return nil, fmt.Errorf("%s: make a temporary copy to read: %w", in.name, err)
	}
	in.ra = tmp
	in.close = func() error {
		err := tmp.Close()
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	if err := in.scan(ctx, src, tmp); err != nil {
		in.close()
		return nil, err
	}
	return in, nil
}

// inputOf makes an input of bytes in memory.
func inputOf(name string, data []byte) (*input, error) {
	in := &input{name: name, ra: bytes.NewReader(data), close: func() error { return nil }}
	each := func(yield func([]byte) error) error { return yield(data) }
	if err := in.check(context.Background(), each, nil); err != nil {
		return nil, err
	}
	return in, nil
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// scan reads src through once: it checks the start is text (not UTF-16,
// no NUL byte), finds the first byte that is not white space, hashes the
// content after a UTF-8 byte-order mark, and copies everything to copyTo
// when it is not nil.
func (in *input) scan(ctx context.Context, src io.Reader, copyTo io.Writer) error {
	each := func(yield func([]byte) error) error { return readChunks(ctx, src, yield) }
	return in.check(ctx, each, copyTo)
}

// check is scan of the chunks each gives.
func (in *input) check(ctx context.Context, each func(func([]byte) error) error, copyTo io.Writer) error {
	h := sha256.New()
	var (
		head    []byte // the first sniffLen bytes, until checked
		checked bool
		total   int64
		copyErr error // the copy could not be written: not the file's fault
	)
	check := func() error {
		checked = true
		if bytes.HasPrefix(head, bomUTF16LE) || bytes.HasPrefix(head, bomUTF16BE) {
			return &Error{File: in.name, Err: fmt.Errorf("%w: the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import it again", ErrUnrecognized)}
		}
		if bytes.HasPrefix(head, bomUTF8) {
			in.start = int64(len(bomUTF8))
		}
		if bytes.IndexByte(head, 0) >= 0 {
			return &Error{File: in.name, Err: fmt.Errorf("%w: the file holds NUL bytes, which no CSV or JSON text does: it is a binary file, or UTF-16 text without a byte-order mark", ErrUnrecognized)}
		}
		in.digest(h, head, 0)
		return nil
	}
	err := each(func(chunk []byte) error {
		if copyTo != nil {
			if _, err := copyTo.Write(chunk); err != nil {
				copyErr = fmt.Errorf("%s: make a temporary copy to read: %w", in.name, err)
				return copyErr
			}
		}
		off := total
		total += int64(len(chunk))
		if checked {
			in.digest(h, chunk, off)
			return nil
		}
		if head == nil && len(chunk) >= sniffLen {
			head = chunk // whole: no copy
		} else {
			head = append(head, chunk...)
		}
		if len(head) < sniffLen {
			return nil
		}
		return check()
	})
	if err == nil && !checked {
		err = check()
	}
	if err != nil {
		if ctx.Err() != nil {
			return interrupted(ctx, in.name)
		}
		var fe *Error
		if copyErr == nil && !errors.As(err, &fe) {
			err = &Error{File: in.name, Err: fmt.Errorf("cannot read it: %w", unwrapPath(err))}
		}
		return err
	}
	in.size = total - in.start
	h.Sum(in.sum[:0])
	if in.first == 0 {
		return &Error{File: in.name, Err: fmt.Errorf("%w: the file is empty", ErrUnrecognized)}
	}
	return nil
}

// digest hashes the part of chunk (at offset off of the file) that is
// content, and notes its first byte that is not white space.
func (in *input) digest(h hash.Hash, chunk []byte, off int64) {
	if skip := in.start - off; skip > 0 {
		chunk = chunk[min(skip, int64(len(chunk))):]
	}
	h.Write(chunk)
	if in.first == 0 {
		if i := bytes.IndexFunc(chunk, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }); i >= 0 {
			in.first = chunk[i]
		}
	}
}

// readChunks hands each chunk src gives to each, until src ends. src is
// read by a goroutine, so that a cancelled ctx returns at once even when
// src is a pipe or a terminal that blocks (the goroutine then ends with
// src's next read).
func readChunks(ctx context.Context, src io.Reader, each func([]byte) error) error {
	type chunk struct {
		b   []byte
		err error
	}
	chunks := make(chan chunk)
	free := make(chan []byte, 2)
	free <- make([]byte, chunkSize)
	free <- make([]byte, chunkSize)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			n, err := src.Read(buf)
			select {
			case chunks <- chunk{buf[:n], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-chunks:
			if len(c.b) > 0 {
				if err := each(c.b); err != nil {
					return err
				}
			}
			free <- c.b[:cap(c.b)]
			if errors.Is(c.err, io.EOF) {
				return nil
			}
			if c.err != nil {
				return c.err
			}
		}
	}
}

// source reads an input's content for a parser. It stops as soon as ctx
// is cancelled, and tells onRead how far it has read.
type source struct {
	ctx    context.Context
	r      *io.SectionReader
	pos    int64
	onRead func(pos int64)
}

func (s *source) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	s.pos += int64(n)
	if s.onRead != nil {
		s.onRead(s.pos)
	}
	return n, err
}

func (s *source) Seek(offset int64, whence int) (int64, error) {
	pos, err := s.r.Seek(offset, whence)
	s.pos = pos
	return pos, err
}

// interrupted is the error of an import whose context was cancelled.
func interrupted(ctx context.Context, name string) error {
	return fmt.Errorf("%s: interrupted: %w", name, context.Cause(ctx))
}
