// Package app is Tessera's user interface: the main window, menus, slide
// tabs, panels and dialogs. A pane's background work (and the window's)
// crosses into the UI goroutine through backgroundWork (work.go); the
// viewer's tile loader does its own. A few widget-free pieces are exported
// for the headless commands (cli): the report's slide and view pages,
// sign-offs on a report, ICC notes, open-error sentences, the overlay card.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"tessera/assets"
	"tessera/cases"
	"tessera/inference"
	"tessera/internal/memtrim"
	"tessera/session"
	"tessera/slide"
	"tessera/storyboard"
	"tessera/viewer"
)

// AppID identifies Tessera's preferences and storage.
const AppID = "org.tessera.viewer"

const recentKey = "recent-slides"
const maxRecent = 10

// UI is the main window and its open slides. All methods run on the Fyne UI
// goroutine.
type UI struct {
	app     fyne.App
	win     fyne.Window
	cache   *viewer.TileCache
	tabs    *container.DocTabs
	panes   map[*container.TabItem]*slidePane
	recent  *fyne.MenuItem
	magItem *fyne.MenuItem // View ▸ Magnification, disabled for uncalibrated slides
	empty   fyne.CanvasObject
	dialog  dialog.Dialog // the last dialog shown, closed by Escape

	work    *backgroundWork                       // the window's goroutines (slides being opened)
	opening map[*container.TabItem]*session.Slide // placeholder tabs of slides being opened
	openWG  sync.WaitGroup                        // slides being opened (tests wait on it)
	// post hands work's results to the UI goroutine: fyne.Do. (Fyne's test
	// driver runs fyne.Do on the calling goroutine; tests serialise it.)
	post func(func())
	// openSlide opens a slide file; a field so that tests can hold it back.
	openSlide func(path string) (slide.Slide, error)
	models    *modelStore             // bundles and sessions, shared by all slides
	results   *inference.ResultCache  // analysis results on disk
	features  *inference.FeatureCache // encoder features on disk, shared by bundles with one encoder

	onCachedResultShown func() // benchmarks: called when a cached heatmap appears
	limitMemory         bool   // set the Go heap's soft limit (the real app, not tests)

	desk            *caseDesk      // the open case, its log and sign-offs (casedesk.go)
	presenting      *presentation  // non-nil in presentation mode
	showIdentifiers bool           // file names in presentations, this session only
	mainMenu        *fyne.MainMenu // restored after presentation mode
	firstReadItem   *fyne.MenuItem // Analysis ▸ AI After First Read (checked when on)
	viewsItem       *fyne.MenuItem // View ▸ Saved Views
	overviewItem    *fyne.MenuItem // View ▸ Show Overview
	overviewHidden  bool           // O: the overview hidden on every slide
	sessionIdle     time.Duration  // sessions are released after this idle time (sessionIdle)
	idleGeneration  int            // bumped by each analysis end; an older release timer does nothing
}

// Run opens the main window with the given slides and blocks until it closes.
func Run(paths []string) error {
	nameFavouriteFolders()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("tessera.png", assets.IconPNG))
	cacheBytes := cacheBytesFromEnv()
	ui := NewUI(a, cacheBytes)
	ui.limitMemory = true
	ui.updateMemoryLimit()
	ui.OpenArgs(paths)
	ui.win.ShowAndRun()
	ui.Close()
	return nil
}

// favouriteFolders are the folders Fyne's file dialogs list, by the names
// they ask xdg-user-dir for.
var favouriteFolders = []string{"Desktop", "Documents", "Downloads", "Music", "Pictures", "Videos"}

// nameFavouriteFolders gives xdg-user-dir a folder for each of Fyne's
// favourites the user's XDG settings do not name (XDG_VIDEOS_DIR and so on,
// only when unset, only for this process): without one xdg-user-dir answers
// the home folder and Fyne logs "this computer does not define a VIDEOS
// folder" at every file dialog. The folder given is the one Fyne falls back
// to anyway (HOME/Videos); the user's own user-dirs.dirs still wins.
func nameFavouriteFolders() {
	home, err := os.UserHomeDir()
	if err != nil {
		return
	}
	for _, name := range favouriteFolders {
		key := "XDG_" + strings.ToUpper(name) + "_DIR"
		if os.Getenv(key) == "" {
			os.Setenv(key, filepath.Join(home, name))
		}
	}
}

// cacheBytesFromEnv reads TESSERA_CACHE_MB (default: viewer.DefaultCacheBytes).
func cacheBytesFromEnv() int64 {
	var mb int64
	if _, err := fmt.Sscan(os.Getenv("TESSERA_CACHE_MB"), &mb); err == nil && mb > 0 {
		return mb << 20
	}
	return viewer.DefaultCacheBytes
}

// NewUI builds the main window on app a with a tile cache of cacheBytes.
func NewUI(a fyne.App, cacheBytes int64) *UI {
	ui := &UI{app: a, win: a.NewWindow("Tessera"), cache: viewer.NewTileCache(cacheBytes), post: fyne.Do,
		panes:   map[*container.TabItem]*slidePane{},
		opening: map[*container.TabItem]*session.Slide{}, openSlide: openSlide, sessionIdle: sessionIdle,
		models:  newModelStore(inference.ProviderAuto),
		results: &inference.ResultCache{Dir: inference.DefaultResultCacheDir()}, features: inference.NewFeatureCache("")}
	ui.work = newBackgroundWork(func(fn func()) { ui.post(fn) }) // ui.post may be replaced by tests
	ui.desk = newCaseDesk(ui, a.Preferences())
	ui.tabs = container.NewDocTabs()
	ui.tabs.CloseIntercept = func(item *container.TabItem) { ui.closeTab(item) }
	ui.tabs.OnSelected = func(*container.TabItem) {
		ui.activateSelected()
		ui.updateMenus()
	}
	ui.empty = container.NewCenter(widget.NewLabel("Open a slide: File ▸ Open (Ctrl+O), or drop a slide file here."))
	ui.win.SetContent(container.NewStack(ui.empty))
	ui.mainMenu = ui.buildMenu()
	ui.win.SetMainMenu(ui.mainMenu)
	ui.win.Resize(fyne.NewSize(1280, 800))
	ui.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		paths := make([]string, len(uris))
		for i, u := range uris {
			paths[i] = u.Path()
		}
		ui.OpenArgs(paths)
	})
	ui.installShortcuts()
	return ui
}

// Close stops every analysis and closes every slide and model. It does not
// touch the window, which may already be gone (after ShowAndRun returns).
func (ui *UI) Close() {
	ui.work.close()
	for item, p := range ui.panes {
		p.close()
		delete(ui.panes, item)
	}
	ui.models.closeAll()
}

// sessionIdle is how long ONNX Runtime sessions stay after the last
// analysis ends: long enough for the next slide of a case, short enough
// that the app returns to its viewing footprint (a ResNet encoder's
// sessions and arena hold hundreds of MiB).
const sessionIdle = time.Minute

// scheduleIdleRelease releases the models' sessions and returns the heap's
// free pages to the system once no analysis has run for sessionIdle.
// UI goroutine.
func (ui *UI) scheduleIdleRelease() {
	ui.idleGeneration++
	gen := ui.idleGeneration
	ui.work.Go(func(ctx context.Context) func() {
		select {
		case <-time.After(ui.sessionIdle):
		case <-ctx.Done():
			return nil
		}
		return func() {
			if gen == ui.idleGeneration {
				ui.releaseIdleMemory()
			}
		}
	})
}

// releaseIdleMemory closes the models' sessions unless an analysis runs,
// and returns free heap pages to the system. UI goroutine.
func (ui *UI) releaseIdleMemory() {
	for _, p := range ui.panes {
		if p.analysis.running() {
			return
		}
	}
	ui.models.releaseSessions()
	debug.FreeOSMemory()
	memtrim.Trim() // ONNX Runtime's arenas, freed with the sessions
}

// analysisHeadroom is added to the Go heap's soft limit while analyses run:
// their batch tensors and features (about 80 MiB for a ResNet at batch 32)
// live on the Go heap, and a full tile cache must not make the collector
// run continuously under them.
const analysisHeadroom = 256 << 20

// updateMemoryLimit sets the Go heap's soft limit from the tile cache bound,
// with room for the analyses running now.
func (ui *UI) updateMemoryLimit() {
	if !ui.limitMemory {
		return
	}
	limit := viewer.MemoryLimitFor(ui.cache.Limit())
	for _, p := range ui.panes {
		if p.analysis.running() {
			limit += analysisHeadroom
		}
	}
	debug.SetMemoryLimit(limit)
}

// modelManifest returns the manifest of the bundle at path once it has
// been read (by an analysis or a model check, in the background), or nil:
// it never reads a bundle on the UI goroutine.
func (ui *UI) modelManifest(path string) *inference.Manifest {
	if b := ui.models.loaded(path); b != nil {
		return &b.Manifest
	}
	return nil
}

// Window returns the main window.
func (ui *UI) Window() fyne.Window { return ui.win }

// OpenArgs opens what the command line (or a drop on the window) names: a
// case file (the double-click path) opens as a case; anything else opens
// as slides.
func (ui *UI) OpenArgs(paths []string) {
	var slides []string
	for _, p := range paths {
		if strings.HasSuffix(p, cases.Extension) {
			ui.OpenCase(p)
			continue
		}
		slides = append(slides, p)
	}
	if len(slides) > 0 {
		ui.OpenPaths(slides)
	}
}

// OpenPath opens a slide in a new tab, or shows a dialog that says why it
// cannot. Other open slides are untouched either way.
func (ui *UI) OpenPath(path string) {
	ui.OpenPaths([]string{path})
}

// OpenPaths opens several slides, each in a new tab, off the UI goroutine;
// the files that cannot be opened are listed together in one dialog, one
// sentence each, once every file has been tried.
func (ui *UI) OpenPaths(paths []string) {
	ui.openSlides(paths, make([]float64, len(paths)))
}

// openSlides opens paths with the µm/px the user entered for each (0: the
// slide's own).
func (ui *UI) openSlides(paths []string, mpps []float64) {
	batch := &openBatch{ui: ui, pending: len(paths)}
	var starts []func()
	for i, p := range paths {
		starts = append(starts, ui.startOpen(p, mpps[i], batch))
	}
	for _, start := range starts { // every placeholder first, then the work
		start()
	}
}

// openBatch gathers the problems of slides opened together. UI goroutine.
type openBatch struct {
	ui       *UI
	pending  int
	problems []error
}

// done records one finished open (nil for success) and shows the problems
// once the last has finished.
func (b *openBatch) done(problem error) {
	if problem != nil {
		b.problems = append(b.problems, problem)
	}
	if b.pending--; b.pending == 0 {
		b.ui.showProblems(b.problems)
	}
}

// showProblems lists the files that could not be opened in one dialog, one
// sentence each, and the readable formats once if any file was of another.
func (ui *UI) showProblems(problems []error) {
	if len(problems) == 0 {
		return
	}
	lines := make([]string, len(problems))
	unsupported := false
	for i, p := range problems {
		lines[i] = p.Error()
		unsupported = unsupported || errors.Is(p, slide.ErrUnsupported)
	}
	text := lines[0]
	if len(lines) > 1 {
		text = fmt.Sprintf("%d files could not be opened:\n\n• %s", len(lines), strings.Join(lines, "\n\n• "))
	}
	if unsupported {
		text += "\n\n" + storyboard.ReadableFormats
	}
	ui.showError(errors.New(text))
}

// startOpen shows a placeholder tab for the slide at path at once and
// returns the function that opens the slide in the background (probing and
// fingerprinting a slide on a network share can take seconds; the window
// stays live). mpp is the µm/px the user entered for it (0: the slide's own).
func (ui *UI) startOpen(path string, mpp float64, batch *openBatch) (start func()) {
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	ref := ui.desk.session.Add(path, mpp, ui.desk.session.Model)
	wait := widget.NewProgressBarInfinite()
	item := container.NewTabItem(filepath.Base(path),
		container.NewCenter(container.NewVBox(widget.NewLabel("Opening "+filepath.Base(path)+"…"), wait)))
	ui.opening[item] = ref
	ui.tabs.Append(item)
	ui.tabs.Select(item)
	if ui.win.Content() != ui.tabs && ui.presenting == nil {
		ui.win.SetContent(ui.tabs) // once: setting it again resets the canvas's focus
	}
	ui.openWG.Add(1)
	return func() {
		ui.work.Go(func(context.Context) func() {
			defer ui.openWG.Done()
			s, err := ui.openSlide(path)
			ui.work.DoOr(func() { ui.finishOpen(item, wait, s, err, batch) }, func() {
				if s != nil {
					s.Close()
				}
			})
			return nil
		})
	}
}

// finishOpen replaces the placeholder tab item with the opened slide, or
// removes it and records why the slide could not be opened.
func (ui *UI) finishOpen(item *container.TabItem, wait *widget.ProgressBarInfinite, s slide.Slide, err error, batch *openBatch) {
	wait.Stop()
	ref, waiting := ui.opening[item]
	delete(ui.opening, item)
	switch {
	case !waiting: // the tab was closed while the slide was opening
		if s != nil {
			s.Close()
		}
		batch.done(nil)
		return
	case err != nil:
		ui.desk.session.Remove(ref)
		ui.removeTab(item)
		batch.done(err)
		return
	}
	pane := newSlidePane(ui, s, ref)
	ui.panes[item] = pane
	pane.view.SetActive(ui.tabs.Selected() == item)
	item.Content = pane.content
	pane.restoreSideBySide()
	ui.tabs.Refresh()
	if ui.tabs.Selected() == item {
		ui.win.Canvas().Focus(pane.view)
	}
	ui.addRecent(s.Path())
	ui.updateMenus()
	ui.desk.updatePatientResult()
	batch.done(nil)
}

// activateSelected lets only the selected tab's view load tiles.
func (ui *UI) activateSelected() {
	selected := ui.tabs.Selected()
	for item, p := range ui.panes {
		p.view.SetActive(item == selected)
	}
}

// Current returns the pane of the selected tab, or nil.
func (ui *UI) current() *slidePane {
	if item := ui.tabs.Selected(); item != nil {
		return ui.panes[item]
	}
	return nil
}

// openPanes returns the open slides in tab order (the case's order; a
// slide still opening has no pane yet).
func (ui *UI) openPanes() []*slidePane {
	var out []*slidePane
	for _, item := range ui.tabs.Items {
		if p := ui.panes[item]; p != nil {
			out = append(out, p)
		}
	}
	return out
}

// window is the main window, for dialogs.
func (ui *UI) window() fyne.Window { return ui.win }

// caseChanged shows the case's label in the title and its views in the menu.
func (ui *UI) caseChanged() {
	ui.updateTitle()
	ui.refreshViewsMenu()
}

// CurrentView returns the slide view of the selected tab, or nil.
func (ui *UI) CurrentView() *viewer.SlideView {
	if p := ui.current(); p != nil {
		return p.view
	}
	return nil
}

func (ui *UI) closeTab(item *container.TabItem) {
	var dropped []string
	if p := ui.panes[item]; p != nil {
		p.close()
		delete(ui.panes, item)
		dropped = ui.desk.session.Remove(p.ref)
		ui.updateMemoryLimit()
	}
	if ref, ok := ui.opening[item]; ok { // still opening: finishOpen closes the slide
		delete(ui.opening, item)
		dropped = ui.desk.session.Remove(ref)
	}
	ui.removeTab(item)
	if len(dropped) > 0 {
		ui.refreshViewsMenu()
		ui.notify(fmt.Sprintf("The closed slide's saved views were removed: %s", strings.Join(dropped, ", ")))
	}
}

// removeTab takes item off the tab bar and ends the case with its last slide.
func (ui *UI) removeTab(item *container.TabItem) {
	ui.tabs.Remove(item)
	if len(ui.tabs.Items) == 0 {
		ui.win.SetContent(container.NewStack(ui.empty))
		ui.desk.session = session.New() // the case ends with its last slide
		ui.desk.nextView = 0
		ui.updateTitle()
		ui.refreshViewsMenu()
	}
	ui.desk.updatePatientResult()
	ui.updateMenus()
}

func (ui *UI) closeCurrent() {
	if item := ui.tabs.Selected(); item != nil {
		ui.closeTab(item)
	}
}

// notify confirms what just happened (where a file was saved) in the
// current slide's status line, until its view next moves.
func (ui *UI) notify(text string) {
	if p := ui.current(); p != nil {
		p.notice = "✓ " + text
		p.updateStatus()
	}
}

// showError shows err as a dialog; the message is already a sentence.
func (ui *UI) showError(err error) {
	ui.showDialog(dialog.NewError(err, ui.win))
}

// showDialog shows d and remembers it so that Escape can close it.
func (ui *UI) showDialog(d dialog.Dialog) {
	ui.dialog = d
	d.Show()
}

func (ui *UI) showOpenDialog() {
	ui.askOpenFile("Open slide", slide.Extensions, ui.OpenPath)
}

// lastFolderKey remembers the folder of the last file chosen in a dialog.
const lastFolderKey = "last-folder"

// askOpenFile shows a file dialog titled title that lists folders and files
// with the given extensions, starting in the last folder used, and passes
// the chosen path to open. (Fyne's dialog picks one file: several slides
// open by dropping them on the window, or as a folder with Open Folder as
// Case.)
func (ui *UI) askOpenFile(title string, extensions []string, open func(path string)) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			ui.showError(err)
			return
		}
		if rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		ui.app.Preferences().SetString(lastFolderKey, filepath.Dir(path))
		open(path)
	}, ui.win)
	d.SetTitleText(title)
	d.SetFilter(storage.NewExtensionFileFilter(extensions))
	if dir, err := storage.ListerForURI(storage.NewFileURI(ui.lastFolder())); err == nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
}

// lastFolder is the folder of the last file chosen in a dialog, else of the
// most recent slide, else the home folder.
func (ui *UI) lastFolder() string {
	if dir := ui.app.Preferences().String(lastFolderKey); dir != "" {
		return dir
	}
	if recent := ui.recentPaths(); len(recent) > 0 {
		return filepath.Dir(recent[0])
	}
	home, _ := os.UserHomeDir()
	return home
}

func (ui *UI) recentPaths() []string {
	return ui.app.Preferences().StringList(recentKey)
}

func (ui *UI) addRecent(path string) {
	list := []string{path}
	for _, p := range ui.recentPaths() {
		if p != path && len(list) < maxRecent {
			list = append(list, p)
		}
	}
	ui.app.Preferences().SetStringList(recentKey, list)
	ui.refreshRecentMenu()
}
