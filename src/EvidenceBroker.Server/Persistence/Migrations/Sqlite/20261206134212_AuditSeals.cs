using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditSeals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "SealedFrom",
                table: "audit_checkpoints",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "audit_seals",
                columns: table => new
                {
                    LastSequence = table.Column<long>(type: "INTEGER", nullable: false),
                    FirstSequence = table.Column<long>(type: "INTEGER", nullable: false),
                    LastHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    KeyId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Signature = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_seals", x => x.LastSequence);
                });

            // Seals are evidence too: the database refuses to change or remove one.
            migrationBuilder.Sql("CREATE TRIGGER audit_seals_no_update BEFORE UPDATE ON audit_seals BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;");
            migrationBuilder.Sql("CREATE TRIGGER audit_seals_no_delete BEFORE DELETE ON audit_seals BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_update;");
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS audit_seals_no_delete;");

            migrationBuilder.DropTable(
                name: "audit_seals");

            migrationBuilder.DropColumn(
                name: "SealedFrom",
                table: "audit_checkpoints");
        }
    }
}
