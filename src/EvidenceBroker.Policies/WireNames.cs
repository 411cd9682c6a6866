using System.Reflection;
using System.Text.Json.Serialization;

namespace EvidenceBroker.Policies;

/// <summary>Maps the wire names fixed on enums (JsonStringEnumMemberName) in both directions, for the pack files.</summary>
internal static class WireNames<T>
    where T : struct, Enum
{
    private static readonly Dictionary<string, T> ByName = Build();

    public static IEnumerable<string> All => ByName.Keys;

    public static bool TryParse(string name, out T value) => ByName.TryGetValue(name, out value);

    public static string Name(T value)
    {
        foreach (var pair in ByName)
        {
            if (EqualityComparer<T>.Default.Equals(pair.Value, value))
            {
                return pair.Key;
            }
        }

        return value.ToString();
    }

    private static Dictionary<string, T> Build()
    {
        var map = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var name = field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name;
            map[name] = (T)field.GetValue(null)!;
        }

        return map;
    }
}
