"""The outline of a community's grids (the dashboards' maps of districts and cities), drawn for
the grids that have a boundary already. The hull is computed here as
``grids.services.outlines`` computes it (a migration keeps its own copy of the arithmetic)."""

import django.db.models.deletion
from django.db import migrations, models


def _hull(points):
    unique = sorted(set(points))
    if len(unique) < 3:
        return unique

    def turn(origin, first, second):
        return (first[0] - origin[0]) * (second[1] - origin[1]) - (first[1] - origin[1]) * (
            second[0] - origin[0]
        )

    lower, upper = [], []
    for point in unique:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(unique):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def draw_outlines(apps, schema_editor):
    Grid = apps.get_model("grids", "Grid")
    CommunityOutline = apps.get_model("grids", "CommunityOutline")
    points, grids = {}, {}
    for community_id, boundary in Grid.objects.filter(
        is_active=True, boundary__isnull=False
    ).values_list("community_id", "boundary"):
        polygons = (
            [boundary["coordinates"]] if boundary["type"] == "Polygon" else boundary["coordinates"]
        )
        for rings in polygons:
            points.setdefault(community_id, []).extend(
                (round(float(position[0]), 6), round(float(position[1]), 6))
                for position in rings[0]
            )
        grids[community_id] = grids.get(community_id, 0) + 1
    outlines = []
    for community_id, found in points.items():
        hull = _hull(found)
        if len(hull) >= 3:
            ring = [[longitude, latitude] for longitude, latitude in [*hull, hull[0]]]
            outlines.append(
                CommunityOutline(
                    community_id=community_id,
                    shape={"type": "Polygon", "coordinates": [ring]},
                    grids=grids[community_id],
                )
            )
    CommunityOutline.objects.bulk_create(outlines)


class Migration(migrations.Migration):

    dependencies = [
        ('grids', '0001_initial'),
        ('orgchart', '0002_people_posts_accounts'),
    ]

    operations = [
        migrations.CreateModel(
            name='CommunityOutline',
            fields=[
                ('community', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='grid_outline', serialize=False, to='orgchart.orgunit', verbose_name='community')),
                ('shape', models.JSONField(help_text='A GeoJSON Polygon (longitude, latitude).', verbose_name='outline')),
                ('grids', models.PositiveIntegerField(verbose_name='grids with a boundary')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
            ],
            options={
                'verbose_name': "outline of a community's grids",
                'verbose_name_plural': "outlines of communities' grids",
            },
        ),
        migrations.RunPython(draw_outlines, migrations.RunPython.noop),
    ]
