"""Everything that ends on paper: documents, renderers, transports and the print queue.

- `printers.document`: the printer-neutral model (Text, Columns, Rule, Barcode, QRCode, Image,
  Feed, Cut; Paper, PAPER_58, PAPER_80; Document) and column arithmetic (printed_width, wrap,
  fit, printable).
- `printers.text.render_text`, `printers.png.render_png`, `printers.escpos.render_escpos`:
  preview text, PNG preview, printer bytes. They share the line layout of `printers.layout`.
- `printers.profile`: PrinterProfile and parse_printers (the `[printers.NAME]` config tables).
- `printers.transport.open_transport`: network, file, serial and USB delivery.
- `printers.link`: the address parser and serial/TCP byte links, shared with picker's scales
  and scanners.
- `printers.testpage.test_page`: the technician's test page.

python-escpos is imported only through `printers._escpos`, which configures it first.
Importing this package imports nothing heavy.
"""
