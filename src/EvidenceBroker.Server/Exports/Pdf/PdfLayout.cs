using System.Globalization;
using SkiaSharp;

namespace EvidenceBroker.Server.Exports.Pdf;

public enum PdfStyle
{
    Body,
    Bold,
    Small,
    SmallBold,
    Hash,
    Heading,
    Title,
    Subtitle,
}

public enum PdfAlign
{
    Left,
    Right,
}

/// <summary>A table column: its header, its share of the width, and how its cells are set.</summary>
public sealed record PdfColumn(string Header, float Weight, PdfAlign Align = PdfAlign.Left, PdfStyle Style = PdfStyle.Small);

/// <summary>One bar of a chart.</summary>
public sealed record PdfBar(string Label, double Value, string ValueText);

/// <summary>What a PDF says about itself (document properties, running header and footer).</summary>
public sealed record PdfInfo(string Title, string Subject, string Author, string Keywords, string Footer, DateTimeOffset CreatedAt);

/// <summary>
/// Our small layout engine over Skia's PDF backend: flowing text with wrapping and page breaks, label/value
/// blocks, tables whose header repeats on each page, bar charts, and a running header and "page x of y" footer.
/// Layout happens first into per-page drawing lists; the pages are drawn once the total is known.
/// </summary>
public sealed class PdfLayout : IDisposable
{
    public const float PageWidth = 595.28f;
    public const float PageHeight = 841.89f;
    private const float Margin = 42f;
    private const float HeaderBand = 26f;
    private const float FooterBand = 24f;
    private const float Top = Margin + HeaderBand;
    private const float Bottom = PageHeight - Margin - FooterBand;
    private const float ContentWidth = PageWidth - (2 * Margin);
    private const float CellPadding = 3f;

    private static readonly SKColor Ink = new(0x1F, 0x23, 0x28);
    private static readonly SKColor Muted = new(0x5F, 0x67, 0x70);
    private static readonly SKColor Rule = new(0xC8, 0xCE, 0xD4);
    private static readonly SKColor HeaderFill = new(0xE6, 0xEB, 0xF0);
    private static readonly SKColor Stripe = new(0xF6, 0xF8, 0xFA);
    private static readonly SKColor Accent = new(0x1F, 0x5F, 0x99);

    private readonly List<List<Op>> pages = [];
    private readonly Dictionary<PdfStyle, SKFont> fonts = [];
    private float y;

    public PdfLayout()
    {
        NewPage();
    }

    public int PageCount => pages.Count;

    private enum OpKind
    {
        Text,
        Fill,
        Line,
    }

    private readonly record struct Op(OpKind Kind, float X, float Y, float W, float H, string? Text, PdfStyle Style, SKColor Color, PdfAlign Align = PdfAlign.Left);

    public void Title(string title, string? subtitle = null)
    {
        Paragraph(title, PdfStyle.Title);
        if (subtitle is not null)
        {
            Paragraph(subtitle, PdfStyle.Subtitle, Muted);
        }

        Spacer(6);
    }

    /// <summary>A section heading, never left alone at the foot of a page.</summary>
    public void Heading(string text)
    {
        EnsureRoom(LineHeight(PdfStyle.Heading) + (4 * LineHeight(PdfStyle.Body)));
        Spacer(8);
        Paragraph(text, PdfStyle.Heading, Accent);
        Add(new Op(OpKind.Line, Margin, y, ContentWidth, 0, null, PdfStyle.Body, Rule));
        Spacer(5);
    }

    public void Paragraph(string text, PdfStyle style = PdfStyle.Body, SKColor? color = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lineHeight = LineHeight(style);
        foreach (var line in Wrap(text, style, ContentWidth))
        {
            EnsureRoom(lineHeight);
            Add(new Op(OpKind.Text, Margin, y + Ascent(style), 0, 0, line, style, color ?? Ink));
            y += lineHeight;
        }

        y += 2;
    }

    public void Spacer(float height) => y = Math.Min(y + height, Bottom);

    /// <summary>Starts a new page, unless nothing has been written on this one yet.</summary>
    public void PageBreak()
    {
        if (y > Top)
        {
            NewPage();
        }
    }

    /// <summary>Label / value pairs; long values wrap under their own column.</summary>
    public void Fields(IEnumerable<(string Label, string Value)> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        const float labelWidth = 150f;
        var lineHeight = LineHeight(PdfStyle.Body);
        foreach (var (label, value) in fields)
        {
            var labelLines = Wrap(label, PdfStyle.SmallBold, labelWidth - 8);
            var valueLines = Wrap(value, PdfStyle.Body, ContentWidth - labelWidth);
            var rows = Math.Max(labelLines.Count, valueLines.Count);
            if (rows * lineHeight <= Bottom - Top)
            {
                EnsureRoom(rows * lineHeight);
            }

            for (var i = 0; i < rows; i++)
            {
                EnsureRoom(lineHeight);
                if (i < labelLines.Count)
                {
                    Add(new Op(OpKind.Text, Margin, y + Ascent(PdfStyle.Body), 0, 0, labelLines[i], PdfStyle.SmallBold, Muted));
                }

                if (i < valueLines.Count)
                {
                    Add(new Op(OpKind.Text, Margin + labelWidth, y + Ascent(PdfStyle.Body), 0, 0, valueLines[i], PdfStyle.Body, Ink));
                }

                y += lineHeight;
            }

            y += 1.5f;
        }

        y += 3;
    }

    /// <summary>A table; its header row is repeated at the top of every page it runs onto.</summary>
    public void Table(IReadOnlyList<PdfColumn> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var total = columns.Sum(c => c.Weight);
        var widths = columns.Select(c => ContentWidth * c.Weight / total).ToArray();
        var lefts = new float[widths.Length];
        for (var i = 1; i < widths.Length; i++)
        {
            lefts[i] = lefts[i - 1] + widths[i - 1];
        }

        var headerCells = columns.Select((c, i) => Wrap(c.Header, PdfStyle.SmallBold, widths[i] - (2 * CellPadding))).ToList();
        var headerHeight = (headerCells.Max(c => c.Count) * LineHeight(PdfStyle.SmallBold)) + (2 * CellPadding);

        void DrawHeader()
        {
            Add(new Op(OpKind.Fill, Margin, y, ContentWidth, headerHeight, null, PdfStyle.Body, HeaderFill));
            for (var i = 0; i < columns.Count; i++)
            {
                DrawCell(headerCells[i], PdfStyle.SmallBold, Margin + lefts[i], widths[i], columns[i].Align, Ink);
            }

            y += headerHeight;
        }

        EnsureRoom(headerHeight + (2 * LineHeight(PdfStyle.Small)) + (2 * CellPadding));
        DrawHeader();
        var index = 0;
        float HeightOf(List<List<string>> cells) =>
            cells.Select((lines, i) => lines.Count * LineHeight(columns[i].Style)).Max() + (2 * CellPadding);

        void DrawRow(List<List<string>> cells, bool striped)
        {
            var height = HeightOf(cells);
            if (striped)
            {
                Add(new Op(OpKind.Fill, Margin, y, ContentWidth, height, null, PdfStyle.Body, Stripe));
            }

            for (var i = 0; i < columns.Count; i++)
            {
                DrawCell(cells[i], columns[i].Style, Margin + lefts[i], widths[i], columns[i].Align, Ink);
            }

            y += height;
        }

        foreach (var row in rows)
        {
            var cells = columns.Select((c, i) => Wrap(i < row.Count ? row[i] : string.Empty, c.Style, widths[i] - (2 * CellPadding))).ToList();
            var striped = index++ % 2 == 1;
            if (y + HeightOf(cells) > Bottom)
            {
                NewPage();
                DrawHeader();
            }

            // A row taller than a whole page (a long identifier in a script the fonts lack, say) goes on over the pages
            // that follow, each under the table's header, rather than over the footer and off the page.
            while (y + HeightOf(cells) > Bottom)
            {
                var room = Bottom - y - (2 * CellPadding);
                var fits = columns.Select(c => (int)(room / LineHeight(c.Style))).ToList();
                if (fits.All(f => f == 0))
                {
                    break; // not one line fits under the header of an empty page: nothing to split
                }

                DrawRow([.. cells.Select((lines, i) => lines.Take(fits[i]).ToList())], striped);
                cells = [.. cells.Select((lines, i) => lines.Skip(fits[i]).ToList())];
                NewPage();
                DrawHeader();
            }

            DrawRow(cells, striped);
            Add(new Op(OpKind.Line, Margin, y, ContentWidth, 0, null, PdfStyle.Body, Rule));
        }

        y += 6;
    }

    /// <summary>A horizontal bar chart: one labelled bar per item, scaled to the largest value.</summary>
    public void BarChart(string title, IReadOnlyList<PdfBar> bars, SKColor? color = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        const float labelWidth = 130f;
        const float valueWidth = 70f;
        const float barHeight = 10f;
        const float rowHeight = 15f;
        var barArea = ContentWidth - labelWidth - valueWidth;
        EnsureRoom(LineHeight(PdfStyle.SmallBold) + (Math.Min(bars.Count, 6) * rowHeight) + 6);
        Paragraph(title, PdfStyle.SmallBold, Muted);
        var max = bars.Count == 0 ? 0 : bars.Max(b => b.Value);
        if (bars.Count == 0)
        {
            Paragraph("No data in this period.", PdfStyle.Small, Muted);
            return;
        }

        foreach (var bar in bars)
        {
            EnsureRoom(rowHeight);
            var label = Fit(bar.Label, PdfStyle.Small, labelWidth - 6);
            Add(new Op(OpKind.Text, Margin, y + 9, 0, 0, label, PdfStyle.Small, Ink));
            var width = max <= 0 ? 0 : (float)(barArea * bar.Value / max);
            Add(new Op(OpKind.Fill, Margin + labelWidth, y + 1.5f, barArea, barHeight, null, PdfStyle.Body, Stripe));
            if (width > 0)
            {
                Add(new Op(OpKind.Fill, Margin + labelWidth, y + 1.5f, Math.Max(width, 1f), barHeight, null, PdfStyle.Body, color ?? Accent));
            }

            Add(new Op(OpKind.Text, Margin + ContentWidth, y + 9, 0, 0, bar.ValueText, PdfStyle.Small, Ink, PdfAlign.Right));
            y += rowHeight;
        }

        y += 6;
    }

    /// <summary>Draws every page into a PDF/A document with the fonts embedded.</summary>
    public byte[] Render(PdfInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        using var output = new MemoryStream();
        var created = info.CreatedAt.UtcDateTime;
        var metadata = new SKDocumentPdfMetadata
        {
            Title = info.Title,
            Subject = info.Subject,
            Author = info.Author,
            Keywords = info.Keywords,
            Creator = "Evidence Broker",
            Producer = "Evidence Broker (Skia PDF)",
            Creation = created,
            Modified = created,
            PdfA = true,
            RasterDpi = 72,
            EncodingQuality = 90,
        };
        using (var stream = new SKManagedWStream(output))
        using (var document = SKDocument.CreatePdf(stream, metadata))
        {
            for (var index = 0; index < pages.Count; index++)
            {
                var canvas = document.BeginPage(PageWidth, PageHeight);
                DrawChrome(canvas, info, index + 1, pages.Count);
                foreach (var op in pages[index])
                {
                    Draw(canvas, op);
                }

                document.EndPage();
            }

            document.Close();
        }

        return output.ToArray();
    }

    public void Dispose()
    {
        foreach (var font in fonts.Values)
        {
            font.Dispose();
        }
    }

    private void DrawChrome(SKCanvas canvas, PdfInfo info, int page, int count)
    {
        Draw(canvas, new Op(OpKind.Text, Margin, Margin + 8, 0, 0, Fit(info.Title, PdfStyle.Small, ContentWidth - 120), PdfStyle.Small, Muted));
        Draw(canvas, new Op(OpKind.Text, Margin + ContentWidth, Margin + 8, 0, 0, "Evidence Broker", PdfStyle.SmallBold, Muted, PdfAlign.Right));
        Draw(canvas, new Op(OpKind.Line, Margin, Margin + 13, ContentWidth, 0, null, PdfStyle.Body, Rule));
        var footerY = PageHeight - Margin;
        Draw(canvas, new Op(OpKind.Line, Margin, footerY - 11, ContentWidth, 0, null, PdfStyle.Body, Rule));
        Draw(canvas, new Op(OpKind.Text, Margin, footerY, 0, 0, Fit(info.Footer, PdfStyle.Small, ContentWidth - 90), PdfStyle.Small, Muted));
        Draw(canvas, new Op(OpKind.Text, Margin + ContentWidth, footerY, 0, 0,
            string.Create(CultureInfo.InvariantCulture, $"Page {page} of {count}"), PdfStyle.Small, Muted, PdfAlign.Right));
    }

    private void Draw(SKCanvas canvas, Op op)
    {
        using var paint = new SKPaint { Color = op.Color, IsAntialias = true };
        switch (op.Kind)
        {
            case OpKind.Text:
                var font = Font(op.Style);
                canvas.DrawText(op.Text!, op.X, op.Y, op.Align == PdfAlign.Right ? SKTextAlign.Right : SKTextAlign.Left, font, paint);
                break;
            case OpKind.Fill:
                canvas.DrawRect(op.X, op.Y, op.W, op.H, paint);
                break;
            default:
                paint.StrokeWidth = 0.5f;
                canvas.DrawLine(op.X, op.Y, op.X + op.W, op.Y + op.H, paint);
                break;
        }
    }

    private void DrawCell(List<string> lines, PdfStyle style, float left, float width, PdfAlign align, SKColor color)
    {
        var lineHeight = LineHeight(style);
        var x = align == PdfAlign.Right ? left + width - CellPadding : left + CellPadding;
        for (var i = 0; i < lines.Count; i++)
        {
            Add(new Op(OpKind.Text, x, y + CellPadding + (i * lineHeight) + Ascent(style), 0, 0, lines[i], style, color, align));
        }
    }

    private void Add(Op op) => pages[^1].Add(op);

    private void NewPage()
    {
        pages.Add([]);
        y = Top;
    }

    private void EnsureRoom(float height)
    {
        if (y + height > Bottom && y > Top)
        {
            NewPage();
        }
    }

    private SKFont Font(PdfStyle style)
    {
        if (!fonts.TryGetValue(style, out var font))
        {
            var (typeface, size) = style switch
            {
                PdfStyle.Bold => (PdfFonts.Bold, 9.5f),
                PdfStyle.Small => (PdfFonts.Regular, 7.8f),
                PdfStyle.SmallBold => (PdfFonts.Bold, 7.8f),
                PdfStyle.Hash => (PdfFonts.Regular, 6.6f),
                PdfStyle.Heading => (PdfFonts.Bold, 12.5f),
                PdfStyle.Title => (PdfFonts.Bold, 18f),
                PdfStyle.Subtitle => (PdfFonts.Regular, 10.5f),
                _ => (PdfFonts.Regular, 9.5f),
            };
            font = new SKFont(typeface, size) { Subpixel = true, Edging = SKFontEdging.Antialias };
            fonts[style] = font;
        }

        return font;
    }

    private float LineHeight(PdfStyle style) => Font(style).Size * 1.3f;

    private float Ascent(PdfStyle style) => Font(style).Size;

    private string Fit(string text, PdfStyle style, float width)
    {
        text = PdfText.Printable(text);
        var font = Font(style);
        if (font.MeasureText(text) <= width)
        {
            return text;
        }

        var count = (int)font.BreakText(text, width - font.MeasureText("…"));
        return string.Concat(text.AsSpan(0, Math.Max(count, 0)), "…");
    }

    /// <summary>Greedy word wrap; a word wider than the line (a hash, a URL) is broken where it must be.</summary>
    internal List<string> Wrap(string text, PdfStyle style, float width)
    {
        text = PdfText.Printable(text);
        var font = Font(style);
        var lines = new List<string>();
        var space = font.MeasureText(" ");
        foreach (var paragraph in text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n'))
        {
            var line = new System.Text.StringBuilder();
            var lineWidth = 0f;
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var wordWidth = font.MeasureText(word);
                if (line.Length > 0 && lineWidth + space + wordWidth <= width)
                {
                    line.Append(' ').Append(word);
                    lineWidth += space + wordWidth;
                    continue;
                }

                if (line.Length > 0)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                    lineWidth = 0;
                }

                var rest = word;
                while (font.MeasureText(rest) > width)
                {
                    var fits = Math.Max(1, (int)font.BreakText(rest, width));
                    lines.Add(rest[..fits]);
                    rest = rest[fits..];
                }

                line.Append(rest);
                lineWidth = font.MeasureText(rest);
            }

            lines.Add(line.ToString());
        }

        return lines;
    }
}
