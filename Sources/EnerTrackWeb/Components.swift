import EnerTrackCore
import Foundation

/// Small page fragments the pages are built from; each escapes what it is given (`HTML`).
enum Component {
    /// A column of a table; `from` hides it below a Bootstrap breakpoint (`sm`, `md`).
    struct Column {
        var title: String
        /// The cells' class attribute (` class="text-end"`), or nothing.
        let attributes: String

        init(_ title: String, from: String? = nil, end: Bool = false) {
            self.title = title
            let classes = [from.map { "d-none d-\($0)-table-cell" }, end ? "text-end" : nil].compactMap { $0 }
            attributes = classes.isEmpty ? "" : " class=\"\(HTML.escape(classes.joined(separator: " ")))\""
        }
    }

    /// A responsive table: a header of `columns`, one row of cells per item (written into one
    /// buffer: a page's table has hundreds of cells). The first cell of a row is its header,
    /// and stays in view while a wide table scrolls sideways on a phone.
    static func table(_ columns: [Column], rows: [[HTML]]) -> HTML {
        var text = "<div class=\"table-responsive\"><table class=\"table table-sticky\"><thead><tr>"
        text.reserveCapacity(256 + rows.count * columns.count * 48)
        for column in columns {
            text += "<th scope=\"col\"" + column.attributes + ">" + HTML.escape(column.title) + "</th>"
        }
        text += "</tr></thead>\n<tbody>"
        for cells in rows {
            text += "<tr>"
            for (index, (cell, column)) in zip(cells, columns).enumerated() {
                text += index == 0 ? "<th scope=\"row\"" + column.attributes + ">" : "<td" + column.attributes + ">"
                text += cell.text
                text += index == 0 ? "</th>" : "</td>"
            }
            text += "</tr>"
        }
        text += "</tbody></table></div>"
        return HTML(trusted: text)
    }

    /// A text input of a form row, labelled for screen readers by its placeholder.
    static func input(
        _ name: String, placeholder: String, width: Int, type: String = "text", required: Bool = false,
        attributes: HTML = ""
    ) -> HTML {
        """
        <div class="col-12 col-md-\(width)"><input class="form-control" name="\(name)" type="\(type)" \
        placeholder="\(placeholder)" aria-label="\(placeholder)"\(HTML.when(required, " required")) \(attributes)></div>
        """
    }

    /// A select of a form row.
    static func select(_ name: String, label: String, width: Int, options: [(value: String, text: String)]) -> HTML {
        let items: [HTML] = options.map { "<option value=\"\($0.value)\">\($0.text)</option>" }
        return """
            <div class="col-12 col-md-\(width)"><select class="form-select" name="\(name)" required \
            aria-label="\(label)">\(items)</select></div>
            """
    }

    /// A form's submit button filling its column.
    static func submit(_ label: String, width: Int) -> HTML {
        "<div class=\"col-6 col-md-\(width)\"><button class=\"btn btn-primary w-100\" type=\"submit\">\(label)</button></div>"
    }

    /// A new password and its repetition (`password`, `repeat`), with the rule's minimum length.
    static func newPassword(label: String, repeatLabel: String) -> HTML {
        let min = DirectoryRules.minPasswordLength
        return """
            <div class="mb-3"><label class="form-label" for="password">\(label)</label>
              <input class="form-control" id="password" name="password" type="password" autocomplete="new-password" \
            required minlength="\(min)"></div>
            <div class="mb-3"><label class="form-label" for="repeat">\(repeatLabel)</label>
              <input class="form-control" id="repeat" name="repeat" type="password" autocomplete="new-password" required></div>
            """
    }

    /// A figure with its label and unit (the dashboard's and node page's cards).
    /// `field` names the value for the live updates' script (`data-field`).
    static func figure(
        _ label: String, _ value: String, unit: String = "", columns: String, size: String = "", field: String? = nil
    ) -> HTML {
        let shown: HTML = field.map { "<span data-field=\"\($0)\">\(value)</span>" } ?? "\(value)"
        return """
            <div class="\(columns)"><div class="card kpi h-100"><div class="card-body"><div class="label">\(label)</div>\
            <div class="value\(size.isEmpty ? "" : " " + size)">\(shown)\(HTML.when(!unit.isEmpty, " <small class=\"fs-6\">\(unit)</small>"))</div>\
            </div></div></div>
            """
    }
}
