// Package xvfbtest runs Tessera in a real window on a virtual X server for
// end-to-end tests: it starts Xvfb, launches the app, drives it with
// xdotool and captures the screen with ImageMagick's import.
//
// Tests skip when Xvfb, xdotool or import are missing, unless
// TESSERA_REQUIRE_XVFB=1 (set by the project's test command), in which case
// they fail: CI must never pass by skipping its real-window checks.
package xvfbtest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Screen is one running Xvfb display with, optionally, the app on it.
type Screen struct {
	t       testing.TB
	Display string
	xvfb    *exec.Cmd
	app     *exec.Cmd
	appLog  *bytes.Buffer
}

var buildOnce sync.Once
var builtBinary string
var buildErr error

// Binary builds the tessera command once per test process and returns its path.
func Binary(t testing.TB, moduleRoot string) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tessera-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBinary = filepath.Join(dir, "tessera")
		cmd := exec.Command("go", "build", "-o", builtBinary, ".")
		cmd.Dir = moduleRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBinary
}

// Start launches Xvfb on a free display of w×h pixels, or skips (fails
// under TESSERA_REQUIRE_XVFB=1) when the tools are missing.
func Start(t testing.TB, w0, h0 int) *Screen {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s not installed: real-window test needs xvfb, xdotool and imagemagick (the README's test command installs them)", tool)
			if os.Getenv("TESSERA_REQUIRE_XVFB") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	// Xvfb picks a free display itself and writes its number to fd 3, so
	// that concurrent test processes never share a display.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := &Screen{t: t}
	// -noreset: without it the server resets whenever its last client (a
	// probe, xdotool) disconnects, and a client connecting then fails.
	s.xvfb = exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w0, h0), "-nolisten", "tcp", "-noreset")
	s.xvfb.ExtraFiles = []*os.File{w}
	if err := s.xvfb.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	t.Cleanup(s.stop)
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 16)
		n, _ := r.Read(buf)
		got <- strings.TrimSpace(string(buf[:n]))
	}()
	select {
	case d := <-got:
		if _, err := strconv.Atoi(d); err != nil {
			t.Fatalf("Xvfb did not report a display (%q)", d)
		}
		s.Display = ":" + d
	case <-time.After(15 * time.Second):
		t.Fatal("Xvfb did not start within 15 s")
	}
	// Wait until the server accepts clients.
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := s.xdotool("getdisplaygeometry")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Xvfb on %s does not accept clients: %v %s", s.Display, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *Screen) env() []string {
	return append(os.Environ(), "DISPLAY="+s.Display, "LANG=C.UTF-8", "LANGUAGE=en")
}

// Launch starts the app binary with args and waits for its window (title
// containing "Tessera") to appear.
func (s *Screen) Launch(binary string, env []string, args ...string) {
	s.t.Helper()
	s.app = exec.Command(binary, args...)
	s.app.Env = append(s.env(), env...)
	s.appLog = &bytes.Buffer{}
	s.app.Stdout, s.app.Stderr = s.appLog, s.appLog
	if err := s.app.Start(); err != nil {
		s.t.Fatalf("start app: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if out, err := s.xdotool("search", "--name", "Tessera"); err == nil && strings.TrimSpace(out) != "" {
			id := strings.Fields(out)[0]
			s.xdotool("windowactivate", "--sync", id)
			s.xdotool("windowfocus", "--sync", id)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the Tessera window did not appear; app output:\n%s", s.appLog)
}

// AppLog returns what the app printed so far.
func (s *Screen) AppLog() string { return s.appLog.String() }

// Running reports whether the app process is still alive.
func (s *Screen) Running() bool {
	return s.app != nil && s.app.ProcessState == nil && s.app.Process.Signal(syscall.Signal(0)) == nil
}

// Do runs xdotool with args (e.g. "mousemove", "640", "400", "click", "4").
func (s *Screen) Do(args ...string) {
	s.t.Helper()
	if out, err := s.xdotool(args...); err != nil {
		s.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
}

// Output runs xdotool with args and returns what it printed (e.g.
// "search", "--name", "Tessera", "getwindowname").
func (s *Screen) Output(args ...string) string {
	s.t.Helper()
	out, err := s.xdotool(args...)
	if err != nil {
		s.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
	return out
}

func (s *Screen) xdotool(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = s.env()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Shot captures the whole screen, saves it under dir as name, and decodes it.
func (s *Screen) Shot(dir, name string) image.Image {
	s.t.Helper()
	path := filepath.Join(dir, name)
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = s.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("import: %v %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		s.t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func (s *Screen) stop() {
	if s.app != nil && s.app.Process != nil {
		s.app.Process.Kill()
		s.app.Wait()
	}
	if s.xvfb != nil && s.xvfb.Process != nil {
		// SIGTERM lets Xvfb remove its lock file and socket.
		s.xvfb.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.xvfb.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			s.xvfb.Process.Kill()
			<-done
		}
	}
}

// TissueFraction is the fraction of pixels in r that look like H&E-stained
// tissue: clearly coloured (pink or purple), neither white nor grey.
func TissueFraction(img image.Image, r image.Rectangle) float64 {
	r = r.Intersect(img.Bounds())
	var n, tissue int
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			R, G, B := int(cr>>8), int(cg>>8), int(cb>>8)
			n++
			if R > G+25 && B > G+10 && G < 220 {
				tissue++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(tissue) / float64(n)
}

// ChangedFraction is the fraction of pixels in r that differ noticeably
// between two images of the same size.
func ChangedFraction(a, b image.Image, r image.Rectangle) float64 {
	r = r.Intersect(a.Bounds()).Intersect(b.Bounds())
	var n, changed int
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			d := absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
			n++
			if d > 3*20*257 {
				changed++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(changed) / float64(n)
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// RGBAt returns the 8-bit colour of img at (x, y).
func RGBAt(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// Near reports whether got is within tol of want in every channel.
func Near(got [3]uint8, want interface{ RGBA() (r, g, b, a uint32) }, tol int) bool {
	r, g, b, _ := want.RGBA()
	w := [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	for i := range got {
		if d := int(got[i]) - w[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

// CountNear counts pixels in area within 12 of colour (r, g, b) per channel.
func CountNear(img image.Image, area image.Rectangle, r, g, b uint8) int {
	n := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			if Near(RGBAt(img, x, y), color.NRGBA{r, g, b, 255}, 12) {
				n++
			}
		}
	}
	return n
}

// CountRed counts strongly red pixels in area (the positive class's text).
func CountRed(img image.Image, area image.Rectangle) int {
	n := 0
	for y := area.Min.Y; y < area.Max.Y; y++ {
		for x := area.Min.X; x < area.Max.X; x++ {
			c := RGBAt(img, x, y)
			if c[0] > 180 && c[1] < 110 && c[2] < 110 {
				n++
			}
		}
	}
	return n
}
