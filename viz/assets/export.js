/* pcmh-kg explorer: spreadsheet exports written in the page, nothing fetched.
   CSV: UTF-8 with a byte-order mark (Excel then reads the accents right), CRLF rows, and cells that
   a spreadsheet would run as a formula (starting = + - @ tab or CR) prefixed with ' (OWASP CSV
   injection advice). XLSX: the few XML parts of an Office Open XML workbook, every cell an inline
   string or a number (never a formula), in a store-only zip written here with its CRC-32. */
(function () {
  "use strict";
  var enc = new TextEncoder();

  function neutral(v) {
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return String(v);
    var s = String(v);
    return /^[=+\-@\t\r]/.test(s) ? "'" + s : s;
  }
  function csv(header, rows) {
    var lines = [header].concat(rows).map(function (r) {
      return r.map(function (v) {
        var s = neutral(v);
        return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
      }).join(",");
    });
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }

  function xml(s) {
    return String(s).replace(/[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\ud800-\udfff]/g, "")
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function colName(i) { var s = ""; i++; while (i) { var m = (i - 1) % 26; s = String.fromCharCode(65 + m) + s; i = (i - m - 1) / 26; } return s; }
  function sheet(header, rows) {
    var out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'];
    [header].concat(rows).forEach(function (r, ri) {
      out.push('<row r="' + (ri + 1) + '">');
      r.forEach(function (v, ci) {
        var ref = colName(ci) + (ri + 1);
        if (typeof v === "number" && isFinite(v)) out.push('<c r="' + ref + '"' + (ri ? "" : ' s="1"') + "><v>" + v + "</v></c>");
        else if (v !== null && v !== undefined && v !== "")
          out.push('<c r="' + ref + '" t="inlineStr"' + (ri ? "" : ' s="1"') + '><is><t xml:space="preserve">' + xml(v) + "</t></is></c>");
      });
      out.push("</row>");
    });
    out.push("</sheetData></worksheet>");
    return out.join("");
  }
  function xlsxParts(name, header, rows) {
    var ns = "http://schemas.openxmlformats.org/";
    return [
      ["[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="' + ns + 'package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'],
      ["_rels/.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="' + ns + 'package/2006/relationships">' +
        '<Relationship Id="rId1" Type="' + ns + 'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'],
      ["xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="' + ns + 'spreadsheetml/2006/main" xmlns:r="' + ns +
        'officeDocument/2006/relationships"><sheets><sheet name="' + xml(name.slice(0, 31).replace(/[\\\/?*\[\]:]/g, " ")) + '" sheetId="1" r:id="rId1"/></sheets></workbook>'],
      ["xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="' + ns + 'package/2006/relationships">' +
        '<Relationship Id="rId1" Type="' + ns + 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>' +
        '<Relationship Id="rId2" Type="' + ns + 'officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'],
      ["xl/styles.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="' + ns + 'spreadsheetml/2006/main">' +
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>'],
      ["xl/worksheets/sheet1.xml", sheet(header, rows)]
    ];
  }

  var CRC = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) { var c = n; for (var k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; t[n] = c >>> 0; }
    return t;
  })();
  function crc32(b) { var c = 0xFFFFFFFF; for (var i = 0; i < b.length; i++) c = CRC[(c ^ b[i]) & 0xFF] ^ (c >>> 8); return (c ^ 0xFFFFFFFF) >>> 0; }
  function zip(files) {  /* files: [[name, string]]; store-only (method 0), UTF-8 names */
    var chunks = [], central = [], offset = 0;
    function u16(v) { return [v & 255, (v >>> 8) & 255]; }
    function u32(v) { return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255]; }
    files.forEach(function (f) {
      var name = enc.encode(f[0]), data = enc.encode(f[1]), crc = crc32(data);
      var common = [].concat(u16(20), u16(0x0800), u16(0), u16(0), u16(0x21), u32(crc), u32(data.length), u32(data.length), u16(name.length));
      var local = new Uint8Array([].concat(u32(0x04034b50), common, u16(0)));
      chunks.push(local, name, data);
      central.push(new Uint8Array([].concat(u32(0x02014b50), u16(20), common, u16(0), u16(0), u16(0), u16(0), u32(0), u32(offset))), name);
      offset += local.length + name.length + data.length;
    });
    var size = central.reduce(function (s, c) { return s + c.length; }, 0);
    var end = new Uint8Array([].concat(u32(0x06054b50), u16(0), u16(0), u16(files.length), u16(files.length), u32(size), u32(offset), u16(0)));
    var all = chunks.concat(central, [end]), total = all.reduce(function (s, c) { return s + c.length; }, 0);
    var out = new Uint8Array(total), at = 0;
    all.forEach(function (c) { out.set(c, at); at += c.length; });
    return out;
  }
  function xlsx(name, header, rows) { return zip(xlsxParts(name, header, rows)); }

  function fileName(stem) { return stem.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 80) || "export"; }
  function download(stem, kind, header, rows, sheetName) {
    var name = fileName(stem) + "." + kind;
    var blob = kind === "csv" ? new Blob([csv(header, rows)], { type: "text/csv;charset=utf-8" })
      : new Blob([xlsx(sheetName || stem, header, rows)], { type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.append(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 30000);
    return name;
  }
  window.PCMHExport = { csv: csv, xlsx: xlsx, download: download, neutral: neutral };
})();
