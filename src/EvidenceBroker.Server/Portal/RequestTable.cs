namespace EvidenceBroker.Server.Portal;

/// <summary>The model of the shared request table partial.</summary>
public sealed record RequestTable(
    IReadOnlyList<PortalRow> Rows, DateTimeOffset Now, string Caption, string Empty,
    bool ShowAgency = false, bool ShowProvider = true, string DetailPage = "/Requests/Detail");
