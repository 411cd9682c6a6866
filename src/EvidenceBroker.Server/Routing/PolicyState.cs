namespace EvidenceBroker.Server.Routing;

/// <summary>
/// What decides a new request besides the request and the date: the active pack's version, and the countries whose
/// direct requests are suspended, in code order. Two states are equal when both parts are.
/// </summary>
public sealed record PolicyState(string? ActiveVersion, IReadOnlyList<string> SuspendedCountries)
{
    public bool Equals(PolicyState? other) =>
        other is not null
        && string.Equals(ActiveVersion, other.ActiveVersion, StringComparison.Ordinal)
        && SuspendedCountries.SequenceEqual(other.SuspendedCountries, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(ActiveVersion, StringComparer.Ordinal);
        foreach (var country in SuspendedCountries)
        {
            hash.Add(country, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
