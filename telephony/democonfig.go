package telephony

import _ "embed"

// DemoConfig is the telephony configuration of `sportello serve --demo` (read it with
// ParseConfig): the queues "centralino" and "numero verde", open at every hour so that the demo
// can be tried at any time, the offline queue "posta", and one operator for each console role
// of the demo accounts (operatore, backoffice, secondolivello, supervisore), whose IDs are those
// accounts' user names.
//
//go:embed democonfig.json
var DemoConfig []byte
