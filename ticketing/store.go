package ticketing

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"sportello/internal/fsperm"
	"sportello/internal/sqldb"
	"sportello/workcal"
)

// ErrNotFound is returned when a citizen, ticket, attachment or callback does not exist.
var ErrNotFound = errors.New("ticketing: not found")

// Config configures a Store. Only DataDir is required: the calendar defaults to
// workcal.Default(), the SLA and the attachment limits to their documented defaults, the clock to
// time.Now, and email is off.
type Config struct {
	// DataDir is the data folder; attachments are stored under DataDir/attachments.
	DataDir string
	// Calendar is the working calendar of the SLA clocks; nil means workcal.Default().
	Calendar *workcal.Calendar
	// SLA holds the offline deadlines (SLA-3); zero fields take the defaults.
	SLA SLAPolicy
	// Limits bounds attachments; zero fields take the defaults.
	Limits AttachmentLimits
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// Mail sends the outbound email of tickets; nil disables outbound email (intake still works).
	Mail *Mailer
	// Offices resolves an office IRI to its name and email address for notifications, and
	// refuses assignments and memberships to offices it does not know; may be nil.
	Offices OfficeDirectory
	// Users gives the e-mail address of office members for the assignment notifications, and
	// refuses memberships of unknown users; may be nil (then only the office's mailbox is told).
	Users UserDirectory
	// Pills reads the pills whose forms go with a reply and whose answer the citizens' status
	// page shows; may be nil (then replies cannot name a pill).
	Pills PillReader
	// Documents finds the stored file behind a pill's form link, to attach it to a reply; may be
	// nil (then every form is sent as a link in the text).
	Documents DocumentSource
	// Learner is told what each contact solved with a pill used for it — its searches and its
	// description — so that search learns the citizens' words (KB-2, KB-9); may be nil (then
	// nothing is learned).
	Learner Learner
}

// OfficeDirectory finds where to notify an office (the kb directory, through the lead's glue).
type OfficeDirectory interface {
	OfficeContact(ctx context.Context, iri string) (name, email string, err error)
}

// Store is the ticketing system on an operational database. It is safe for concurrent use.
type Store struct {
	db      *sqldb.DB
	dir     string // attachments folder
	cal     *workcal.Calendar
	sla     SLAPolicy
	limits  AttachmentLimits
	now     func() time.Time
	mail    *Mailer
	offices OfficeDirectory
	users   UserDirectory
	pills   PillReader
	docs    DocumentSource
	learner Learner
}

// Open runs the ticketing migrations on db and returns the store.
func Open(ctx context.Context, db *sqldb.DB, cfg Config) (*Store, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("ticketing: Config.DataDir is required (attachments are stored there)")
	}
	if err := db.Migrate(ctx, "ticketing", migrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, cal: cfg.Calendar, sla: cfg.SLA.withDefaults(), limits: cfg.Limits.withDefaults(),
		now: cfg.Now, mail: cfg.Mail, offices: cfg.Offices, users: cfg.Users, pills: cfg.Pills, docs: cfg.Documents, learner: cfg.Learner}
	if s.cal == nil {
		s.cal = workcal.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.backfillPublicKeys(ctx); err != nil {
		return nil, err
	}
	if err := s.backfillSearch(ctx); err != nil {
		return nil, err
	}
	s.dir = filepath.Join(cfg.DataDir, "attachments")
	if err := fsperm.MkdirAll(s.dir); err != nil {
		return nil, fmt.Errorf("ticketing: attachments folder: %w", err)
	}
	return s, nil
}

// DB is the underlying database (for the web layer's exports).
func (s *Store) DB() *sqldb.DB { return s.db }

// Calendar is the working calendar of the SLA clocks.
func (s *Store) Calendar() *workcal.Calendar { return s.cal }

// Mailer is the outbound mail relay, nil when outbound email is off.
func (s *Store) Mailer() *Mailer { return s.mail }

func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }
