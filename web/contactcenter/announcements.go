package contactcenter

// The administrators' page of the IVR announcements (TEL-5): upload a WAV, list, listen,
// activate per message slot and time band, delete, download a backup and restore it. The forms
// post back here and the page shows the outcome (Post/Redirect/Get).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"sportello/i18n"
	"sportello/internal/clock"
	"sportello/telephony"
	"sportello/web/webkit"
)

// maxUpload bounds an upload request: the recording's limit and some room for the form.
func (t *Telephony) maxUpload() int64 {
	n := t.AnnouncementBytes
	if n <= 0 {
		n = 16 << 20
	}
	return n + 64<<10
}

// slotRow is one message slot with the recording active in each band.
type slotRow struct {
	Slot   telephony.Slot
	Active map[string]string // band → name
}

type announcementsData struct {
	List      []announcementRow
	Slots     []slotRow
	Bands     []string // "" is every band
	OK, Error string
	webkit.FormBase
	MaxMiB int64
}

type announcementRow struct {
	telephony.Announcement
	Seconds string
}

func (t *Telephony) announcements() (*telephony.Announcements, error) {
	if t.Announcements == nil {
		return nil, webkit.NotFound("cti.noAnnouncements")
	}
	return t.Announcements, nil
}

// announcementStore is what every announcement handler starts from: telephony must be
// configured and it must keep recordings.
func (h *Handlers) announcementStore() (*Telephony, *telephony.Announcements, error) {
	t, err := h.telephony()
	if err != nil {
		return nil, nil, err
	}
	store, err := t.announcements()
	if err != nil {
		return nil, nil, err
	}
	return t, store, nil
}

// bands lists the bands an announcement can be activated for: the default, the configured
// ones and the closed band.
func (t *Telephony) bands() []string {
	out := []string{""}
	for _, b := range t.Bands {
		out = append(out, b.Name)
	}
	return append(out, telephony.BandClosed)
}

func (h *Handlers) announcementsPage(c echo.Context) error {
	t, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	list, err := store.List()
	if err != nil {
		return webkit.Internal(err)
	}
	d := announcementsData{Bands: t.bands(), MaxMiB: max(1, t.maxUpload()>>20)}
	// Only keys of this page's messages come back through the URL (webkit.Flash): a crafted
	// link cannot make the page say something else.
	d.OK, d.Error = webkit.Flash(c, "ann.")
	for _, a := range list {
		d.List = append(d.List, announcementRow{a, fmt.Sprintf("%.1f", a.Duration.Seconds())})
	}
	for _, sl := range telephony.Slots {
		row := slotRow{Slot: sl, Active: map[string]string{}}
		for _, b := range d.Bands {
			if n, ok := activeExact(list, sl, b); ok {
				row.Active[b] = n
			}
		}
		d.Slots = append(d.Slots, row)
	}
	d.FormBase = webkit.FormOf(c)
	return h.pages.Render(c, "announcements", webkit.PageData{Title: i18n.T("ann.title"), Nav: "announcements", Data: d})
}

// activeExact finds the recording activated for exactly slot in band (Announcements.Active
// falls back to the default band; the page shows what is set where).
func activeExact(list []telephony.Announcement, slot telephony.Slot, band string) (string, bool) {
	key := band + "/" + string(slot)
	for _, a := range list {
		for _, k := range a.Active {
			if k == key {
				return a.Name, true
			}
		}
	}
	return "", false
}

// annError is the key of the Italian message (ann.err.KEY) for why the store refused an
// operation; the store's own (English) detail goes to the log for the administrator who needs it.
func (h *Handlers) annError(err error) string {
	detail := strings.TrimPrefix(err.Error(), "telephony: ")
	switch {
	case errors.Is(err, telephony.ErrNotTelephoneWAV):
		return "wav"
	case strings.Contains(detail, "larger than"):
		return "size"
	case strings.Contains(detail, "name") && strings.Contains(detail, "letters"):
		return "name"
	case strings.Contains(detail, "is active for"):
		return "active"
	case strings.HasPrefix(detail, "no announcement"):
		return "missing"
	case strings.HasPrefix(detail, "unknown announcement slot"):
		return "slot"
	case strings.HasPrefix(detail, "restore"):
		return "restore"
	}
	slog.Warn("announcements: operation refused", "err", err)
	return "unknown"
}

// backTo redirects to the announcements page with the outcome: ok names a success message,
// errKey an error's (ann.ok.KEY, ann.err.KEY).
func backTo(c echo.Context, ok, errKey string) error {
	if errKey != "" {
		return webkit.RedirectError(c, "/annunci", errKey)
	}
	return webkit.RedirectOK(c, "/annunci", ok)
}

func (h *Handlers) announcementUpload(c echo.Context) error {
	t, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, t.maxUpload())
	fh, err := c.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return backTo(c, "", "size")
		}
		return backTo(c, "", "noFile")
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" {
		name = strings.TrimSuffix(strings.TrimSuffix(fh.Filename, ".wav"), ".WAV")
	}
	f, err := fh.Open()
	if err != nil {
		return webkit.Internal(err)
	}
	defer f.Close()
	if _, err := store.Upload(name, f); err != nil {
		return backTo(c, "", h.annError(err))
	}
	return backTo(c, "uploaded", "")
}

func (h *Handlers) announcementActivate(c echo.Context) error {
	t, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	band := c.FormValue("band")
	known := false
	for _, b := range t.bands() {
		known = known || b == band
	}
	if !known {
		return backTo(c, "", "band")
	}
	if err := store.Activate(telephony.Slot(c.FormValue("slot")), band, c.FormValue("name")); err != nil {
		return backTo(c, "", h.annError(err))
	}
	return backTo(c, "activated", "")
}

func (h *Handlers) announcementDelete(c echo.Context) error {
	_, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	if err := store.Delete(c.FormValue("name")); err != nil {
		return backTo(c, "", h.annError(err))
	}
	return backTo(c, "deleted", "")
}

// announcementFile serves a recording for the <audio> player, with the WAV content type and
// range requests (browsers seek with them).
func (h *Handlers) announcementFile(c echo.Context) error {
	_, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(c.Param("name"), ".wav")
	rc, err := store.Open(name)
	if err != nil {
		return webkit.NotFound("ann.notFound")
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return webkit.Internal(err)
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, "audio/wav")
	hdr.Set("Cache-Control", "no-store")
	http.ServeContent(c.Response(), c.Request(), name+".wav", time.Time{}, bytes.NewReader(data))
	return nil
}

func (h *Handlers) announcementBackup(c echo.Context) error {
	_, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	// Build the archive first, so that an error is a clean 500 rather than a truncated file.
	var buf bytes.Buffer
	if err := store.Backup(&buf); err != nil {
		return webkit.Internal(err)
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="annunci-%s.tar.gz"`, time.Now().In(clock.Rome()).Format("20060102-150405")))
	return c.Blob(http.StatusOK, "application/gzip", buf.Bytes())
}

func (h *Handlers) announcementRestore(c echo.Context) error {
	t, store, err := h.announcementStore()
	if err != nil {
		return err
	}
	// A backup holds every recording: allow 64 of them at the limit.
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, 64*t.maxUpload())
	fh, err := c.FormFile("backup")
	if err != nil {
		return backTo(c, "", "noFile")
	}
	f, err := fh.Open()
	if err != nil {
		return webkit.Internal(err)
	}
	defer f.Close()
	if err := store.Restore(f); err != nil {
		return backTo(c, "", h.annError(err))
	}
	return backTo(c, "restored", "")
}
