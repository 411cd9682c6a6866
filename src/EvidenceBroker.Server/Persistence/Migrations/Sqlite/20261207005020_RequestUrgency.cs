using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class RequestUrgency : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Urgency",
                table: "requests",
                type: "TEXT",
                maxLength: 20,
                nullable: false,
                defaultValue: "");

            // Requests filed before this column: their urgency, copied from their content (written by the
            // public model's rules: camelCase, the enum's wire name).
            migrationBuilder.Sql("""
                UPDATE requests SET "Urgency" = CASE json_extract("Content", '$.urgency')
                    WHEN 'emergency' THEN 'Emergency'
                    WHEN 'preservation' THEN 'Preservation'
                    ELSE 'Standard' END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Urgency",
                table: "requests");
        }
    }
}
