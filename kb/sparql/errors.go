package sparql

import "fmt"

// ErrorKind classifies why a query failed, so the HTTP layer can choose a status code
// (syntax and unsupported: 400; limits: 400 or 503 for the timeout; internal: 500).
type ErrorKind int

const (
	ErrSyntax      ErrorKind = iota + 1 // the query does not parse
	ErrUnsupported                      // valid SPARQL this engine does not run (SERVICE, LOAD…)
	ErrTimeout                          // the time limit passed
	ErrTooManyRows                      // more result rows than the limit
	ErrTooBig                           // an intermediate result beyond the memory bound
	ErrInternal                         // the store failed
)

// Error is the error every Query failure returns. Error() is English for logs; Italian()
// is the message for users.
type Error struct {
	Kind      ErrorKind
	Line, Col int // of a syntax error; 0 when unknown
	Msg       string
	Limit     int64 // the limit that was exceeded (rows, seconds, solutions)
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("sparql: line %d, column %d: %s", e.Line, e.Col, e.Msg)
	}
	return "sparql: " + e.Msg
}

// Italian is the message shown to users (REQUIREMENTS: bad input gets a clear Italian
// message).
func (e *Error) Italian() string {
	switch e.Kind {
	case ErrSyntax:
		if e.Line > 0 {
			return fmt.Sprintf("Errore di sintassi nella query SPARQL alla riga %d, colonna %d: %s", e.Line, e.Col, e.Msg)
		}
		return "Errore di sintassi nella query SPARQL: " + e.Msg
	case ErrUnsupported:
		return "Funzione SPARQL non supportata da questo servizio: " + e.Msg
	case ErrTimeout:
		return fmt.Sprintf("La query ha superato il tempo massimo consentito (%d s): restringere i criteri o aggiungere LIMIT.", e.Limit)
	case ErrTooManyRows:
		return fmt.Sprintf("La query restituisce più di %d risultati, il massimo consentito: aggiungere LIMIT o restringere i criteri.", e.Limit)
	case ErrTooBig:
		return fmt.Sprintf("La query produce risultati intermedi troppo grandi (oltre %d soluzioni): restringere i criteri.", e.Limit)
	}
	return "Errore interno nell'esecuzione della query SPARQL."
}

func syntaxErr(format string, args ...any) error {
	return &Error{Kind: ErrSyntax, Msg: fmt.Sprintf(format, args...)}
}

func unsupported(what string) error { return &Error{Kind: ErrUnsupported, Msg: what} }
