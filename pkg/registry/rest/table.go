package rest

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Column is one printed column; Wide columns appear only with -o wide.
type Column struct {
	Name        string
	Type        string
	Description string
	Wide        bool
}

// Table prints a kind server-side. Cells returns the cells after NAME and before AGE.
type Table struct {
	Columns []Column
	Cells   func(obj runtime.Object) []interface{}
}

var _ rest.TableConvertor = Table{}

func (t Table) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	table := &metav1.Table{}
	noHeaders := false
	if opt, ok := tableOptions.(*metav1.TableOptions); ok && opt != nil {
		noHeaders = opt.NoHeaders
	}
	if !noHeaders {
		table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: "Name must be unique within a namespace."})
		// Narrow columns first, then AGE, then the wide ones, like kubectl's own printers.
		for _, c := range t.Columns {
			if !c.Wide {
				table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{Name: c.Name, Type: typeOr(c.Type), Description: c.Description})
			}
		}
		table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{Name: "Age", Type: "date", Description: "Time since the object was created."})
		for _, c := range t.Columns {
			if c.Wide {
				table.ColumnDefinitions = append(table.ColumnDefinitions, metav1.TableColumnDefinition{Name: c.Name, Type: typeOr(c.Type), Description: c.Description, Priority: 1})
			}
		}
	}
	row := func(obj runtime.Object) error {
		m, err := meta.Accessor(obj)
		if err != nil {
			return err
		}
		var cells []interface{}
		if t.Cells != nil {
			cells = t.Cells(obj)
		}
		if len(cells) != len(t.Columns) {
			return fmt.Errorf("table for %T: %d cells for %d columns", obj, len(cells), len(t.Columns))
		}
		r := metav1.TableRow{Object: runtime.RawExtension{Object: obj}}
		r.Cells = append(r.Cells, m.GetName())
		for i, c := range t.Columns {
			if !c.Wide {
				r.Cells = append(r.Cells, cells[i])
			}
		}
		r.Cells = append(r.Cells, age(m.GetCreationTimestamp()))
		for i, c := range t.Columns {
			if c.Wide {
				r.Cells = append(r.Cells, cells[i])
			}
		}
		table.Rows = append(table.Rows, r)
		return nil
	}
	if meta.IsListType(object) {
		if err := meta.EachListItem(object, row); err != nil {
			return nil, err
		}
	} else if err := row(object); err != nil {
		return nil, err
	}
	if l, err := meta.ListAccessor(object); err == nil {
		table.ResourceVersion = l.GetResourceVersion()
		table.Continue = l.GetContinue()
		table.RemainingItemCount = l.GetRemainingItemCount()
	} else if m, err := meta.Accessor(object); err == nil {
		table.ResourceVersion = m.GetResourceVersion()
	}
	return table, nil
}

func typeOr(t string) string {
	if t == "" {
		return "string"
	}
	return t
}

func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
