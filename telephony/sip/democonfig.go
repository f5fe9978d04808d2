package sip

import _ "embed"

// DemoConfig is the SIP configuration that goes with telephony.DemoConfig (`sportello serve
// --demo`): the listener on 127.0.0.1:5060, 100 for the switchboard and 800 for the green
// number, phones logging their operators in by REGISTER, callbacks placed through a gateway on
// 127.0.0.1:5090 (a SIPp UAS in the demo). Read it with ParseConfig.
//
//go:embed democonfig.json
var DemoConfig []byte
