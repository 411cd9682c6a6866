namespace EvidenceBroker.Server.Portal;

/// <summary>
/// The page of a counted portal list being shown, <see cref="PortalRequests.PageSize"/> rows to a page, and how many
/// pages the list has; the pager partial (_Pager) links to the pages on either side.
/// </summary>
public sealed record PortalPage(int Number, int Count)
{
    public static readonly PortalPage First = new(1, 1);

    /// <summary>
    /// The page asked for (query "p"; "page" is taken by Razor Pages), as asked: one past the list's last is not
    /// turned into the first, which would look like the page asked for.
    /// </summary>
    public static PortalPage Of(int? asked, int rows)
    {
        var count = Math.Max(1, (rows + PortalRequests.PageSize - 1) / PortalRequests.PageSize);
        return new PortalPage(Math.Max(asked ?? 1, 1), count);
    }

    /// <summary>Past the list's last page: nothing is on it, which the page says, linking to the first.</summary>
    public bool PastTheEnd => Number > Count;

    /// <summary>How many rows come before this page.</summary>
    public int Skip => (Number - 1) * PortalRequests.PageSize;
}

/// <summary>What the pager partial shows: the page, the name of its navigation, and the words of its two links.</summary>
public sealed record PagerLinks(PortalPage Page, string Label, string Previous, string Next);
