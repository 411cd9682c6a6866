namespace EvidenceBroker.Domain.Requests;

/// <summary>
/// What a person's own words may hold (a justification, a threat, a note, a reason for an action or a suspension): one
/// rule and one wording, because copies of it had drifted (a suspension reason with a tab was refused while a
/// justification with one was not). Each field keeps its own length limit.
/// </summary>
public static class FreeText
{
    /// <summary>
    /// Line breaks and tabs lay out text pasted from a statement or a form; every other control character is refused,
    /// since it would reach a provider, an audit record or a PDF as something nobody can see or read.
    /// </summary>
    public static bool IsValid(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return !text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'));
    }

    /// <summary>Said wherever free text is refused for its length or its characters.</summary>
    public static string Rule(int maxLength) => $"At most {maxLength:N0} characters, without control characters.";

    /// <summary>What is wrong with the text for a field of this length, or null (also for no text: whether one is required is the field's business).</summary>
    public static string? Problem(string? text, int maxLength) =>
        text is not null && (text.Length > maxLength || !IsValid(text)) ? Rule(maxLength) : null;
}
