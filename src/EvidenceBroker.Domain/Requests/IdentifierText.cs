using System.Globalization;
using System.Text;

namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// What an identifier's text may hold. R1 refuses bulk selectors by their written form (a wildcard, a range, a bare
/// domain); a look-alike written otherwise (a full-width asterisk, an en dash, a zero-width space before the '@')
/// would pass it, so such forms are refused before the engine, naming the field.
/// </summary>
public static class IdentifierText
{
    /// <summary>
    /// Well-formed text without invisible (but for the zero-width joiner and non-joiner that Persian and Indic scripts
    /// and emoji sequences need), direction-changing, separator, private-use or unassigned characters, and
    /// without the full-width and small forms of ASCII punctuation, letters and digits (＊, ／, ＠, ﹡). Unicode
    /// normalisation would catch more look-alikes, but the broker runs with invariant globalization, where it does not
    /// normalise beyond ASCII. Control characters have their rule of their own, with its own message.
    /// </summary>
    public static bool IsPlain(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return true; // the emptiness rule speaks for it
        }

        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                return false; // half a surrogate pair
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value is (>= 0xFE50 and <= 0xFE6F) or (>= 0xFF01 and <= 0xFF5E)
                || (category == UnicodeCategory.Format && rune.Value is not (0x200C or 0x200D)) // the joiners: Persian, Indic, emoji
                || category is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                    or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned)
            {
                return false;
            }

            rest = rest[used..];
        }

        return true;
    }

    /// <summary>
    /// An IP address's characters (IPv4 or IPv6), and those R1 reads as bulk (a range written with '-' or '/', a
    /// wildcard), so that the engine, not this check, refuses a range and records why.
    /// </summary>
    public static bool IsIpAddressText(string value) =>
        string.IsNullOrEmpty(value) || value.All(c => char.IsAsciiHexDigit(c) || c is '.' or ':' or '[' or ']' or '/' or '-' or '*' or '?' or '%');

    /// <summary>
    /// Whether the identifier's own period, where it has one, fits the request's time range: an IP address's time of
    /// use lies within it; another identifier's period (when the target held the account) meets it.
    /// </summary>
    public static bool FitsTimeRange(Identifier identifier, TimeRange? range)
    {
        if (range is null || (identifier.From is null && identifier.To is null))
        {
            return true;
        }

        bool Within(DateTimeOffset? at) => at is not { } instant || (instant >= range.From && instant <= range.To);
        return identifier.Type == IdentifierType.Ip
            ? Within(identifier.From) && Within(identifier.To)
            : (identifier.From is not { } from || from <= range.To) && (identifier.To is not { } to || to >= range.From);
    }
}
