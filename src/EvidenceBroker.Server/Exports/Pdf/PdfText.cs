using System.Globalization;
using System.Text;

namespace EvidenceBroker.Server.Exports.Pdf;

/// <summary>
/// Text as the exports' fonts can print it. The two faces cover Latin, Greek and Cyrillic; a character outside them
/// (Arabic, Hebrew, Devanagari, Chinese…) would print as the same empty box as every other missing one, and the
/// words could not be read back from the PDF. Such a character is printed as its code point instead ([U+05D0]), so
/// nothing a request says is lost; a tab prints as a space.
/// </summary>
internal static class PdfText
{
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.All(c => c is >= ' ' and < '\u007F' or '\n'))
        {
            return text;
        }

        var printable = new StringBuilder(text.Length + 16);
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value is '\n')
            {
                printable.Append('\n');
            }
            else if (rune.Value is '\t')
            {
                printable.Append(' ');
            }
            else if (Rune.IsControl(rune))
            {
                // Nothing to print for a control character (the validator refuses most of them).
            }
            else if (PdfFonts.Regular.ContainsGlyph(rune.Value))
            {
                printable.Append(rune.ToString());
            }
            else
            {
                printable.Append(CultureInfo.InvariantCulture, $"[U+{rune.Value:X4}]");
            }
        }

        return printable.ToString();
    }
}
