namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The form a post was refused in, shown again with what was typed and why. A page may hold several forms whose fields
/// share names (the request page's text, the directory's id and name), so only the refused form gets the typed values
/// back, and its errors; the others are shown as they always are.
/// </summary>
public sealed class RefusedForm(string name, IReadOnlyDictionary<string, string> errors)
{
    /// <summary>No form refused: every form as it always is.</summary>
    public static RefusedForm None { get; } = new("", new Dictionary<string, string>());

    public string Name { get; } = name;

    /// <summary>Message by field, as <see cref="FormErrorsTagHelper"/> shows them.</summary>
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;

    /// <summary>What was typed into a field of <paramref name="form"/> if that is the refused form; otherwise nothing (an empty field, an unchecked box).</summary>
    public T? Typed<T>(string form, T typed) => form == Name ? typed : default;

    /// <summary>The errors of <paramref name="form"/>: none unless it is the refused form.</summary>
    public IReadOnlyDictionary<string, string> ErrorsOf(string form) => form == Name ? Errors : None.Errors;
}
