"""Write the fixture corpus pages that use legacy encodings (run it after editing a page below).

    python tests/corpus/build_legacy.py

Each page declares its charset only in a <meta> element (no BOM, no HTTP header), as many older
government sites do, so the detectors must decode the bytes the way a browser does. The HTML lives
here as text and is encoded with the declared codec; the output files in pages/ are committed, and a
test checks that they match this script.
"""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "pages"

FR_TAXE_FONCIERE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<title>Taxe foncière : ce qu'il faut savoir - Ville d'Exemple</title>
</head>
<body>
<header role="banner">
  <p class="logo">Ville d'Exemple</p>
  <form role="search" action="/recherche" method="get">
    <label for="q">Rechercher</label> <input type="search" id="q" name="q" placeholder="Rechercher">
    <button>Rechercher</button>
  </form>
  <nav><a href="/mairie">Ma mairie</a> | <a href="/demarches">Démarches</a> | <a href="/cadre-de-vie">Cadre de vie</a></nav>
</header>
<main id="contenu">
<h1>Taxe foncière et taxe d'habitation sur les résidences secondaires</h1>
<p>La taxe foncière est due par le propriétaire d'un bien immobilier au 1er janvier de l'année d'imposition.
Le conseil municipal a voté le taux communal pour 2026 : 38,50 % (inchangé depuis 2021).</p>
<h2>Qui établit l'avis ?</h2>
<p>L'avis d'imposition est établi et recouvré par la Direction générale des finances publiques (DGFiP), et non par la mairie.
La commune ne perçoit pas directement cet impôt.</p>
<h2>Exonérations</h2>
<p>Les constructions nouvelles sont exonérées pendant deux ans. Les personnes âgées de plus de 75 ans aux revenus modestes
peuvent être exonérées.</p>
<p>Pour toute question sur votre avis, adressez-vous au centre des finances publiques.</p>
</main>
<footer>
  <address>Hôtel de ville, 1 place de la Mairie, 00100 Exemple - Tél. <a href="tel:+33199000000">01 99 00 00 00</a> -
  <a href="mailto:contact@ville-exemple.example">contact@ville-exemple.example</a></address>
  <p><a href="https://www.facebook.com/VilleExemple">Facebook</a> <a href="https://www.instagram.com/ville_exemple/">Instagram</a></p>
  <p><a href="/accessibilite">Accessibilité : partiellement conforme</a> | <a href="/mentions-legales">Mentions légales</a> |
  <a href="/donnees-personnelles">Données personnelles</a></p>
</footer>
</body>
</html>
"""

RU_PRIVACY = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Политика конфиденциальности | Администрация города Примерска</title>
</head>
<body>
<div class="header">
  <a href="/">Администрация города Примерска</a>
  <form action="/search/" method="get"><input type="text" name="q" placeholder="Поиск по сайту"><input type="submit" value="Найти"></form>
  <ul class="menu"><li><a href="/administration/">Администрация</a></li><li><a href="/news/">Новости</a></li><li><a href="/services/">Услуги</a></li></ul>
</div>
<div class="content">
<h1>Политика конфиденциальности</h1>
<p>Настоящая политика обработки персональных данных составлена в соответствии с требованиями Федерального закона от 27.07.2006 № 152-ФЗ «О персональных данных» и определяет порядок обработки персональных данных пользователей официального сайта.</p>
<h2>1. Оператор</h2>
<p>Оператором персональных данных является Администрация города Примерска.</p>
<h2>2. Какие данные мы обрабатываем</h2>
<p>Фамилия, имя, отчество, адрес электронной почты, номер телефона, а также данные о посещении сайта (cookie, IP-адрес).</p>
<h2>3. Цели обработки</h2>
<p>Рассмотрение обращений граждан, предоставление муниципальных услуг в электронном виде.</p>
<h2>4. Права субъекта персональных данных</h2>
<p>Вы вправе получить сведения об обработке ваших данных, потребовать их уточнения, блокирования или уничтожения, а также отозвать согласие на обработку персональных данных.</p>
</div>
<div class="footer">
  <p>000000, г. Примерск, ул. Ленина, д. 1. Телефон приёмной: +7 (000) 000-00-00, e-mail: <a href="mailto:adm@gorod-primer.example">adm@gorod-primer.example</a></p>
  <p><a href="https://vk.com/adm_primersk">ВКонтакте</a> <a href="https://t.me/adm_primersk">Telegram</a></p>
</div>
</body>
</html>
"""

AR_PAY = """<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="windows-1256">
<title>دفع المخالفات والرسوم إلكترونياً | بلدية مدينة المثال</title>
</head>
<body>
<header>
  <a href="/ar/"><img src="/assets/img/logo.png" alt="بلدية مدينة المثال"></a>
  <form action="/ar/search" method="get"><input type="text" name="keyword" placeholder="ابحث في الموقع"><button type="submit">بحث</button></form>
  <nav><a href="/ar/about">عن البلدية</a> <a href="/ar/services">الخدمات الإلكترونية</a> <a href="/ar/news">الأخبار</a></nav>
</header>
<main>
<h1>دفع المخالفات والرسوم إلكترونياً</h1>
<p>يمكنك سداد مخالفات البلدية ورسوم الخدمات عبر الإنترنت باستخدام بطاقة الائتمان أو البطاقة المصرفية.</p>
<form action="https://epay.baladiya.example/pay" method="post">
  <label for="ref">رقم المخالفة أو الفاتورة</label>
  <input id="ref" name="ref" type="text" dir="ltr" required>
  <button type="submit">ادفع الآن</button>
</form>
<p>بعد إتمام الدفع يصلك إيصال إلكتروني على بريدك.</p>
</main>
<footer>
  <p>الهاتف: <a href="tel:+9710000000">800 0000</a> - البريد الإلكتروني: <a href="mailto:info@baladiya.example">info@baladiya.example</a></p>
  <p><a href="https://x.com/BaladiyaMithal">X</a> <a href="https://www.instagram.com/baladiya_mithal/">Instagram</a></p>
  <p><a href="/ar/privacy">سياسة الخصوصية</a></p>
</footer>
</body>
</html>
"""

ZH_APP = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb18030">
<title>示例市政务服务移动客户端下载_示例市人民政府</title>
</head>
<body>
<div class="header">
  <a href="/"><img src="/images/logo.png" alt="示例市人民政府"></a>
  <form action="/search/" method="get"><input type="text" name="searchWord" placeholder="请输入关键词"><input type="submit" value="搜索"></form>
</div>
<div class="content">
<h1>“示例通”政务服务移动客户端</h1>
<p>“示例通”是示例市人民政府官方移动政务服务平台，提供社保查询、公积金、不动产登记预约等一百余项“掌上办”服务。</p>
<p>扫描下方二维码或点击链接下载：</p>
<ul class="download">
  <li><a href="https://apps.apple.com/cn/app/id6666666666">iPhone 版（App Store）</a></li>
  <li><a href="https://appgallery.huawei.com/app/C100000002">华为应用市场</a></li>
  <li><a href="https://sj.qq.com/appdetail/cn.example.shilitong">应用宝</a></li>
</ul>
<img src="/images/shilitong-qr.png" alt="示例通下载二维码">
</div>
<div class="footer">
  <a href="https://weibo.com/shilishizhengfu">示例市政府官方微博</a>
  <p>主办：示例市人民政府办公室　地址：示例市人民路1号　联系电话：0000-00000000</p>
  <p><a href="/yszc/">隐私政策</a></p>
</div>
</body>
</html>
"""

# file name -> (codec declared in the page's <meta>, page text)
LEGACY_PAGES: dict[str, tuple[str, str]] = {
    "fr-taxe-fonciere-latin1.html": ("iso-8859-1", FR_TAXE_FONCIERE),
    "ru-politika-konfidencialnosti-cp1251.html": ("windows-1251", RU_PRIVACY),
    "ar-dafa-almukhalafat-cp1256.html": ("windows-1256", AR_PAY),
    "zh-yidong-kehuduan-gb18030.html": ("gb18030", ZH_APP),
}


def encoded_pages() -> dict[str, bytes]:
    """File name -> bytes; a character the codec cannot hold is an error, not a '?'."""
    return {name: text.encode(codec, errors="strict") for name, (codec, text) in LEGACY_PAGES.items()}


def main() -> None:
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    for name, body in encoded_pages().items():
        (PAGES_DIR / name).write_bytes(body)
        print(f"wrote {name} ({len(body)} bytes)")


if __name__ == "__main__":
    main()
