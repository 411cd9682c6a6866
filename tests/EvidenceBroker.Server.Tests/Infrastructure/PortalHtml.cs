using System.Net;
using System.Text.RegularExpressions;

namespace EvidenceBroker.Server.Tests.Infrastructure;

/// <summary>Reads a portal page's markup as a test needs it: an element's opening tag by its id, an attribute of a tag, a field's text.</summary>
public static partial class PortalHtml
{
    /// <summary>The opening tag of the element with <paramref name="id"/>; fails the test when there is none, or more than one.</summary>
    public static string Tag(string page, string id)
    {
        var tags = Regex.Matches(page, $"""<[a-z][a-z0-9]*\b[^>]*\sid="{Regex.Escape(id)}"[^>]*>""");
        Assert.True(tags.Count == 1, $"{tags.Count} elements have the id {id}.");
        return tags[0].Value;
    }

    /// <summary>The decoded value of <paramref name="name"/> in <paramref name="tag"/>, or null when the tag has no such attribute.</summary>
    public static string? Attribute(string tag, string name) =>
        Regex.Match(tag, $"""\s{Regex.Escape(name)}(="(?<value>[^"]*)")?[\s>/]""") is { Success: true } found
            ? WebUtility.HtmlDecode(found.Groups["value"].Value)
            : null;

    /// <summary>The text inside the element with <paramref name="id"/> up to its first child tag, as the page sends it (still encoded).</summary>
    public static string RawText(string page, string id) =>
        Regex.Match(page, $"""<[a-z][a-z0-9]*\b[^>]*\sid="{Regex.Escape(id)}"[^>]*>(?<text>[^<]*)<""").Groups["text"].Value;

    /// <summary>The ids the element with <paramref name="id"/> is described by.</summary>
    public static string[] DescribedBy(string page, string id) =>
        (Attribute(Tag(page, id), "aria-describedby") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The page's title, decoded.</summary>
    public static string Title(string page) => WebUtility.HtmlDecode(PageTitle().Match(page).Groups["title"].Value);

    /// <summary>The secret or one-time password the administration page shows once; empty when it shows none.</summary>
    public static string ShownSecret(string page) => ShownSecretText().Match(page).Groups["secret"].Value;

    /// <summary>The authenticator key the enrolment page shows, as shown (in groups of four); empty when it shows none.</summary>
    public static string EnrolmentKey(string page) => EnrolmentKeyText().Match(page).Groups["key"].Value;

    [GeneratedRegex("""<title>(?<title>[^<]*)</title>""")]
    private static partial Regex PageTitle();

    [GeneratedRegex("""data-testid="shown-secret">(?<secret>[^<]+)<""")]
    private static partial Regex ShownSecretText();

    [GeneratedRegex("""data-testid="authenticator-key">(?<key>[^<]+)<""")]
    private static partial Regex EnrolmentKeyText();
}
