package linkeddata

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Settings are what `sportello serve --linked-data FILE` reads: the dataset's description for
// the catalogues and the endpoint's limits. Every field is optional.
type Settings struct {
	Dataset Config
	Limits  Limits
}

// settingsFile is the JSON form, with durations as text ("20s") and Italian-friendly names
// documented in the README.
type settingsFile struct {
	Title        string   `json:"title"`
	Description  string   `json:"description"`
	Publisher    agentJS  `json:"publisher"`
	RightsHolder agentJS  `json:"rightsHolder"`
	License      string   `json:"license"`
	LicenseName  string   `json:"licenseName"`
	Themes       []string `json:"themes"`
	ContactEmail string   `json:"contactEmail"`
	Identifier   string   `json:"identifier"`
	SPARQL       struct {
		Timeout string `json:"timeout"`
		MaxRows int    `json:"maxRows"`
	} `json:"sparql"`
}

type agentJS struct {
	Name string `json:"name"`
	ID   string `json:"ipa"`
	IRI  string `json:"iri"`
}

// LoadSettings reads the settings file; errors are Italian and name the file.
func LoadSettings(path string) (Settings, error) {
	var st Settings
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("%s: impossibile leggere il file: %w", path, err)
	}
	var f settingsFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return st, fmt.Errorf("%s: JSON non valido: %v", path, err)
	}
	st.Dataset = Config{Title: f.Title, Description: f.Description, License: f.License, LicenseName: f.LicenseName,
		Themes: f.Themes, ContactEmail: f.ContactEmail, Identifier: f.Identifier,
		Publisher:    Agent{Name: f.Publisher.Name, ID: f.Publisher.ID, IRI: f.Publisher.IRI},
		RightsHolder: Agent{Name: f.RightsHolder.Name, ID: f.RightsHolder.ID, IRI: f.RightsHolder.IRI}}
	for _, t := range f.Themes {
		if len(t) != 4 {
			return st, fmt.Errorf("%s: tema %q non valido: usare i codici di quattro lettere del vocabolario europeo data-theme (per esempio GOVE, SOCI, HEAL)", path, t)
		}
	}
	if f.SPARQL.Timeout != "" {
		d, err := time.ParseDuration(f.SPARQL.Timeout)
		if err != nil || d <= 0 {
			return st, fmt.Errorf("%s: sparql.timeout %q non valido: usare per esempio \"20s\"", path, f.SPARQL.Timeout)
		}
		st.Limits.Timeout = d
	}
	if f.SPARQL.MaxRows < 0 {
		return st, fmt.Errorf("%s: sparql.maxRows deve essere positivo", path)
	}
	st.Limits.MaxRows = f.SPARQL.MaxRows
	return st, nil
}
